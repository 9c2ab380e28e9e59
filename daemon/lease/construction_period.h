// The official construction period (position 32 of the official file) and how the periods that
// exports state instead of a completion year map to it.
#pragma once

#include <optional>
#include <string_view>

namespace alur::lease {

// A construction period as an export states it when it has no completion year: an exact
// official code, or one of the five bands of the standard lease form (bail type). Four of those
// bands straddle two official periods.
enum class ConstructionBand {
  kOfficial1,  // before 1919
  kOfficial2,  // 1919–1945
  kOfficial3,  // before 1946, when the finer period is unknown
  kOfficial4,  // 1946–1970
  kOfficial5,  // 1971–1990
  kOfficial6,  // 1991–2005
  kOfficial7,  // after 2005
  kBefore1949,
  k1949To1974,
  k1975To1989,
  k1989To2005,
  kSince2005,
};

inline constexpr ConstructionBand kConstructionBands[] = {
    ConstructionBand::kOfficial1,  ConstructionBand::kOfficial2,  ConstructionBand::kOfficial3,
    ConstructionBand::kOfficial4,  ConstructionBand::kOfficial5,  ConstructionBand::kOfficial6,
    ConstructionBand::kOfficial7,  ConstructionBand::kBefore1949, ConstructionBand::k1949To1974,
    ConstructionBand::k1975To1989, ConstructionBand::k1989To2005, ConstructionBand::kSince2005,
};

// Returns the code of `band` used in profiles ([values.construction_band]), in the canonical
// text and in the stored JSON: "1" to "7", "before_1949", "1949_1974", "1975_1989",
// "1989_2005" or "since_2005".
const char* constructionBandCode(ConstructionBand band);

// Returns the band of a code written by constructionBandCode, or nothing for any other text.
std::optional<ConstructionBand> constructionBandOfCode(std::string_view code);

// Maps a completion year to the official construction period (1 before 1919, 2 1919–1945,
// 4 1946–1970, 5 1971–1990, 6 1991–2005, 7 after 2005).
int constructionPeriodOfYear(int year);

// The official period sent for a band, and why it is approximate.
struct BandPeriod {
  int period = 0;                         // official code 1..7
  const char* band_label = "";            // the band in French, e.g. "1949–1974"
  const char* period_label = "";          // the official period in French, e.g. "1946–1970"
  const char* years_elsewhere = nullptr;  // French clause naming the band's years that fall in
                                          // another official period; null when there are none
};

// Returns the official period nearest to `band`: the one that contains most of its years, or
// period 3 (before 1946) for "before 1949".
BandPeriod constructionPeriodOfBand(ConstructionBand band);

}  // namespace alur::lease
