#include "lease/construction_period.h"

namespace alur::lease {
namespace {

struct BandInfo {
  ConstructionBand band;
  const char* code;
  BandPeriod period;
};

// The standard-lease bands share their limit years (1989, 2005) with the next band, so a
// dwelling completed in 1989 or 2005 may be filed under either band.
constexpr BandInfo kBands[] = {
    {ConstructionBand::kOfficial1, "1", {1, "avant 1919", "avant 1919", nullptr}},
    {ConstructionBand::kOfficial2, "2", {2, "1919–1945", "1919–1945", nullptr}},
    {ConstructionBand::kOfficial3, "3", {3, "avant 1946", "avant 1946", nullptr}},
    {ConstructionBand::kOfficial4, "4", {4, "1946–1970", "1946–1970", nullptr}},
    {ConstructionBand::kOfficial5, "5", {5, "1971–1990", "1971–1990", nullptr}},
    {ConstructionBand::kOfficial6, "6", {6, "1991–2005", "1991–2005", nullptr}},
    {ConstructionBand::kOfficial7, "7", {7, "après 2005", "après 2005", nullptr}},
    {ConstructionBand::kBefore1949,
     "before_1949",
     {3, "avant 1949", "avant 1946", "les années 1946 à 1948 relèvent de la période 1946–1970"}},
    {ConstructionBand::k1949To1974,
     "1949_1974",
     {4, "1949–1974", "1946–1970", "les années 1971 à 1974 relèvent de la période 1971–1990"}},
    {ConstructionBand::k1975To1989, "1975_1989", {5, "1975–1989", "1971–1990", nullptr}},
    {ConstructionBand::k1989To2005,
     "1989_2005",
     {6, "1989–2005", "1991–2005", "les années 1989 et 1990 relèvent de la période 1971–1990"}},
    {ConstructionBand::kSince2005,
     "since_2005",
     {7, "depuis 2005", "après 2005", "l'année 2005 relève de la période 1991–2005"}},
};

const BandInfo& infoOf(ConstructionBand band) {
  for (const auto& info : kBands) {
    if (info.band == band) {
      return info;
    }
  }
  return kBands[0];  // unreachable: kBands lists every enumerator
}

}  // namespace

const char* constructionBandCode(ConstructionBand band) { return infoOf(band).code; }

std::optional<ConstructionBand> constructionBandOfCode(std::string_view code) {
  for (const auto& info : kBands) {
    if (code == info.code) {
      return info.band;
    }
  }
  return std::nullopt;
}

int constructionPeriodOfYear(int year) {
  if (year < 1919) {
    return 1;
  }
  if (year <= 1945) {
    return 2;
  }
  if (year <= 1970) {
    return 4;
  }
  if (year <= 1990) {
    return 5;
  }
  if (year <= 2005) {
    return 6;
  }
  return 7;
}

BandPeriod constructionPeriodOfBand(ConstructionBand band) { return infoOf(band).period; }

}  // namespace alur::lease
