#include "batch/official_file.h"

#include <cstdio>
#include <map>

#include "common/text.h"

namespace alur::batch {
namespace {

// Removes what the format forbids inside a field: the separator and line breaks.
std::string cleanText(const std::string& text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    out += (c == ';' || c == '\r' || c == '\n' || c == '\t') ? ' ' : c;
  }
  return trim(out);
}

std::string decimalComma(const std::optional<lease::Cents>& cents) {
  if (!cents) {
    return "";
  }
  char text[32];
  std::snprintf(text, sizeof text, "%lld,%02lld", static_cast<long long>(*cents / 100),
                static_cast<long long>(*cents % 100));
  return text;
}

class LineBuilder {
 public:
  LineBuilder(const std::string& dwelling_id, std::vector<std::string>* warnings)
      : dwelling_id_(dwelling_id), warnings_(warnings) {}

  void text(const char* position, const std::string& value, std::size_t max_length) {
    std::string clean = cleanText(value);
    if (utf8Length(clean) > max_length) {
      std::string cut = utf8Truncate(clean, max_length);
      if (warnings_ != nullptr) {
        warnings_->push_back("Logement " + dwelling_id_ + " : position " + position + " « " +
                             clean + " » tronquée à " + std::to_string(max_length) +
                             " caractères (« " + cut + " »).");
      }
      clean = trim(cut);
    }
    fields_.push_back(clean);
  }
  // Writes an amount with a decimal comma. An amount too long for its position loses its
  // cents, rounded, rather than digits; one still too long is left out with a warning.
  void amount(const char* position, const std::optional<lease::Cents>& cents,
              std::size_t max_length) {
    std::string value = decimalComma(cents);
    if (value.size() > max_length) {
      std::string rounded = std::to_string((*cents + 50) / 100);
      if (warnings_ != nullptr) {
        warnings_->push_back("Logement " + dwelling_id_ + " : position " + position + " « " +
                             value + " » trop long pour " + std::to_string(max_length) +
                             " caractères, " +
                             (rounded.size() <= max_length ? "arrondi à l'euro." : "omis."));
      }
      value = rounded.size() <= max_length ? rounded : "";
    }
    fields_.push_back(value);
  }
  void empty(int count = 1) {
    for (int i = 0; i < count; ++i) {
      fields_.emplace_back();
    }
  }
  template <typename T>
  void code(const std::optional<T>& value) {
    fields_.push_back(value ? std::to_string(static_cast<int>(*value)) : "");
  }
  void number(const std::optional<int>& value) {
    fields_.push_back(value ? std::to_string(*value) : "");
  }

  std::string join() const {
    std::string out;
    for (std::size_t i = 0; i < fields_.size(); ++i) {
      if (i > 0) {
        out += ';';
      }
      out += fields_[i];
    }
    return out;
  }
  std::size_t size() const { return fields_.size(); }

 private:
  std::string dwelling_id_;
  std::vector<std::string>* warnings_;
  std::vector<std::string> fields_;
};

std::string dayMonthYear2(const lease::Date& d) {
  char text[16];
  std::snprintf(text, sizeof text, "%02d%02d%02d", d.day, d.month, d.year % 100);
  return text;
}

std::string dayMonthYear4(const std::optional<lease::Date>& d) {
  if (!d) {
    return "";
  }
  char text[16];
  std::snprintf(text, sizeof text, "%02d%02d%04d", d->day, d->month, d->year);
  return text;
}

std::optional<int> roundedSurface(const std::optional<int>& centi_m2) {
  if (!centi_m2) {
    return std::nullopt;
  }
  return (*centi_m2 + 50) / 100;
}

std::string withoutSpaces(const std::string& text) {
  std::string out;
  for (char c : text) {
    if (c != ' ') {
      out += c;
    }
  }
  return out;
}

// Windows-1252 bytes 0x80–0x9F and the code points they stand for; 0xA0–0xFF are Latin-1.
const std::map<char32_t, unsigned char>& windows1252Extras() {
  static const std::map<char32_t, unsigned char> extras = {
      {0x20AC, 0x80}, {0x201A, 0x82}, {0x0192, 0x83}, {0x201E, 0x84}, {0x2026, 0x85},
      {0x2020, 0x86}, {0x2021, 0x87}, {0x02C6, 0x88}, {0x2030, 0x89}, {0x0160, 0x8A},
      {0x2039, 0x8B}, {0x0152, 0x8C}, {0x017D, 0x8E}, {0x2018, 0x91}, {0x2019, 0x92},
      {0x201C, 0x93}, {0x201D, 0x94}, {0x2022, 0x95}, {0x2013, 0x96}, {0x2014, 0x97},
      {0x02DC, 0x98}, {0x2122, 0x99}, {0x0161, 0x9A}, {0x203A, 0x9B}, {0x0153, 0x9C},
      {0x017E, 0x9E}, {0x0178, 0x9F}};
  return extras;
}

// ISO-8859-15 differs from Latin-1 at eight positions.
const std::map<char32_t, unsigned char>& iso885915Extras() {
  static const std::map<char32_t, unsigned char> extras = {
      {0x20AC, 0xA4}, {0x0160, 0xA6}, {0x0161, 0xA8}, {0x017D, 0xB4},
      {0x017E, 0xB8}, {0x0152, 0xBC}, {0x0153, 0xBD}, {0x0178, 0xBE}};
  return extras;
}

bool replacedInIso885915(char32_t cp) {
  return cp == 0xA4 || cp == 0xA6 || cp == 0xA8 || cp == 0xB4 || cp == 0xB8 || cp == 0xBC ||
         cp == 0xBD || cp == 0xBE;
}

}  // namespace

std::string encodeText(const std::string& utf8, OutputEncoding encoding) {
  if (encoding == OutputEncoding::kUtf8) {
    return utf8;
  }
  const auto& extras =
      encoding == OutputEncoding::kWindows1252 ? windows1252Extras() : iso885915Extras();
  std::string out;
  out.reserve(utf8.size());
  for (std::size_t i = 0; i < utf8.size();) {
    auto lead = static_cast<unsigned char>(utf8[i]);
    int extra = lead < 0x80 ? 0 : (lead >> 5) == 0x6 ? 1 : (lead >> 4) == 0xE ? 2 : 3;
    char32_t cp = extra == 0 ? lead : lead & (0x3F >> extra);
    for (int k = 1; k <= extra && i + k < utf8.size(); ++k) {
      cp = (cp << 6) | (static_cast<unsigned char>(utf8[i + k]) & 0x3F);
    }
    i += static_cast<std::size_t>(extra) + 1;
    auto mapped = extras.find(cp);
    if (mapped != extras.end()) {
      out += static_cast<char>(mapped->second);
    } else if (cp < 0x80 ||
               (cp >= 0xA0 && cp <= 0xFF &&
                !(encoding == OutputEncoding::kIso8859_15 && replacedInIso885915(cp)))) {
      out += static_cast<char>(cp);
    } else {
      out += '?';
    }
  }
  return out;
}

std::string fileName(int year, const std::string& ident_pro, int sequence) {
  char text[128];
  std::snprintf(text, sizeof text, "%04d_%s_%03d.CSV", year, ident_pro.c_str(), sequence);
  return text;
}

std::string headerLine(int year, const Contributor& contributor, int lease_count,
                       const FileOptions& options) {
  std::string comment = utf8Truncate(cleanText(options.comment), 200);
  return encodeText(std::to_string(year) + ";" + contributor.siret + ";" +
                        std::to_string(lease_count) + ";" + comment,
                    options.encoding);
}

std::string dwellingLine(const lease::LeaseRecord& r, const Contributor& contributor,
                         const FileOptions& options, const lease::Date& survey_date,
                         const std::optional<lease::Date>& previous_survey_date,
                         std::vector<std::string>* warnings) {
  LineBuilder line(r.dwelling_id, warnings);
  line.text("1", r.dwelling_id, 50);
  line.text("2", std::to_string(contributor.data_source), 1);
  line.text("3", std::to_string(contributor.collection_mode), 1);
  line.text("4", dayMonthYear2(survey_date), 6);
  line.text("4b", dayMonthYear2(previous_survey_date.value_or(survey_date)), 6);
  line.text("5", r.address.street_number, 4);
  line.text("5b", r.address.repetition, 1);
  line.text("5c", r.address.street_type, 4);
  line.text("5d", r.address.street_name, 40);
  line.text("5e", r.address.complement, 40);
  line.text("5f", r.address.postal_code, 5);
  line.text("5g", r.address.city, 35);
  line.text("6", r.address.insee_code, 5);
  line.empty(4);  // 6b zone, 6c IRIS, 6d section, 6e parcelle: not in the exports
  line.text("7", "0101", 4);
  std::string card = withoutSpaces(contributor.professional_card);
  line.text("8", card, options.card_number == CardNumberPolicy::kTruncate ? 10 : 20);
  line.text("8b", r.management_id, 20);
  line.text("8c", contributor.company_name, 20);
  line.empty();  // 21 remarques
  line.code(r.housing_type);
  line.number(r.construction_period);
  line.number(r.construction_year);
  line.code(r.ownership);
  line.code(r.elevator);
  line.code(r.details.caretaker);   // 35b gardien
  line.code(r.details.intercom);    // 35c interphone
  line.code(r.details.door_code);   // 35d digicode
  line.code(r.details.videophone);  // 35e vidéophone
  line.number(r.rooms);
  line.number(roundedSurface(r.surface_centi_m2));
  line.number(r.floor);
  line.code(r.details.parking);  // 44 parking inclus
  line.code(r.details.balcony);  // 44b balcon
  line.code(r.details.garden);   // 44c jardin
  line.number(r.details.toilets);
  line.number(r.details.bathrooms);
  line.code(r.heating);
  line.code(r.details.owner_type);
  line.text("50", r.dpe_class ? std::string(1, *r.dpe_class) : "", 1);
  line.code(r.lease_type);
  line.text("52", std::to_string(contributor.management_type), 1);
  line.code(r.details.lease_category);
  line.text("54", dayMonthYear4(r.move_in_date), 8);
  line.text("54b", dayMonthYear4(r.lease_date), 8);
  line.code(r.details.first_letting);
  line.amount("56", r.details.rent_year_before, 8);
  line.amount("56b", r.totalRent(), 8);
  line.amount("57", r.details.reference_rent_year_before, 8);
  line.amount("57b", r.details.reference_rent, 8);
  line.amount("58", r.details.charges_year_before, 6);
  line.amount("58b", r.charges, 6);
  line.text("59", r.details.comment, 200);
  return encodeText(line.join(), options.encoding);
}

}  // namespace alur::batch
