#include "lease/record_json.h"

#include <nlohmann/json.hpp>

namespace alur::lease {
namespace {

using nlohmann::json;

template <typename T>
void put(json& out, const char* key, const std::optional<T>& value) {
  if (!value) {
    return;
  }
  if constexpr (std::is_enum_v<T>) {
    out[key] = static_cast<int>(*value);
  } else if constexpr (std::is_same_v<T, char>) {
    out[key] = std::string(1, *value);
  } else if constexpr (std::is_same_v<T, Date>) {
    out[key] = value->iso();
  } else {
    out[key] = *value;
  }
}

template <typename T>
void get(const json& in, const char* key, std::optional<T>& value) {
  auto found = in.find(key);
  if (found == in.end() || found->is_null()) {
    value.reset();
    return;
  }
  if constexpr (std::is_enum_v<T>) {
    value = static_cast<T>(found->get<int>());
  } else if constexpr (std::is_same_v<T, char>) {
    value = found->get<std::string>().at(0);
  } else if constexpr (std::is_same_v<T, Date>) {
    std::string text = found->get<std::string>();
    value = Date{std::stoi(text.substr(0, 4)), std::stoi(text.substr(5, 2)),
                 std::stoi(text.substr(8, 2))};
  } else {
    value = found->get<T>();
  }
}

Status getConstructionBand(const json& in, std::optional<ConstructionBand>& band) {
  band.reset();
  auto found = in.find("construction_band");
  if (found == in.end() || found->is_null()) {
    return Status::Ok();
  }
  std::string code = found->get<std::string>();
  band = constructionBandOfCode(code);
  if (!band) {
    return Status::Error("stored lease record has an unknown construction_band \"" + code + "\"");
  }
  return Status::Ok();
}

}  // namespace

std::string recordToJson(const LeaseRecord& r) {
  json out;
  out["dwelling_id"] = r.dwelling_id;
  out["management_id"] = r.management_id;
  out["address"] = {{"street_number", r.address.street_number},
                    {"repetition", r.address.repetition},
                    {"street_type", r.address.street_type},
                    {"street_name", r.address.street_name},
                    {"complement", r.address.complement},
                    {"postal_code", r.address.postal_code},
                    {"city", r.address.city},
                    {"insee_code", r.address.insee_code}};
  put(out, "housing_type", r.housing_type);
  put(out, "construction_year", r.construction_year);
  if (r.construction_band) {
    out["construction_band"] = constructionBandCode(*r.construction_band);
  }
  put(out, "construction_period", r.construction_period);
  put(out, "ownership", r.ownership);
  put(out, "elevator", r.elevator);
  put(out, "rooms", r.rooms);
  put(out, "surface_centi_m2", r.surface_centi_m2);
  put(out, "floor", r.floor);
  put(out, "heating", r.heating);
  put(out, "dpe_class", r.dpe_class);
  put(out, "lease_type", r.lease_type);
  put(out, "move_in_date", r.move_in_date);
  put(out, "lease_date", r.lease_date);
  put(out, "rent", r.rent);
  put(out, "rent_supplement", r.rent_supplement);
  put(out, "charges", r.charges);
  json details = json::object();
  visitDetails(r.details, [&](const char* name, const auto& value) {
    if constexpr (std::is_same_v<std::decay_t<decltype(value)>, std::string>) {
      if (!value.empty()) {
        details[name] = value;
      }
    } else {
      put(details, name, value);
    }
  });
  if (!details.empty()) {
    out["details"] = details;
  }
  return out.dump();
}

Result<LeaseRecord> recordFromJson(const std::string& text) {
  try {
    json in = json::parse(text);
    LeaseRecord r;
    r.dwelling_id = in.at("dwelling_id").get<std::string>();
    r.management_id = in.value("management_id", "");
    const json& a = in.at("address");
    r.address.street_number = a.value("street_number", "");
    r.address.repetition = a.value("repetition", "");
    r.address.street_type = a.value("street_type", "");
    r.address.street_name = a.value("street_name", "");
    r.address.complement = a.value("complement", "");
    r.address.postal_code = a.value("postal_code", "");
    r.address.city = a.value("city", "");
    r.address.insee_code = a.value("insee_code", "");
    get(in, "housing_type", r.housing_type);
    get(in, "construction_year", r.construction_year);
    if (Status band = getConstructionBand(in, r.construction_band); !band) {
      return band;
    }
    get(in, "construction_period", r.construction_period);
    get(in, "ownership", r.ownership);
    get(in, "elevator", r.elevator);
    get(in, "rooms", r.rooms);
    get(in, "surface_centi_m2", r.surface_centi_m2);
    get(in, "floor", r.floor);
    get(in, "heating", r.heating);
    get(in, "dpe_class", r.dpe_class);
    get(in, "lease_type", r.lease_type);
    get(in, "move_in_date", r.move_in_date);
    get(in, "lease_date", r.lease_date);
    get(in, "rent", r.rent);
    get(in, "rent_supplement", r.rent_supplement);
    get(in, "charges", r.charges);
    if (auto details = in.find("details"); details != in.end()) {
      visitDetails(r.details, [&](const char* name, auto& value) {
        if constexpr (std::is_same_v<std::decay_t<decltype(value)>, std::string>) {
          value = details->value(name, "");
        } else {
          get(*details, name, value);
        }
      });
    }
    return r;
  } catch (const json::exception& e) {
    return Status::Error(std::string("stored lease record is not readable: ") + e.what());
  }
}

std::string issuesToJson(const std::vector<Issue>& issues) {
  json out = json::array();
  for (const auto& issue : issues) {
    out.push_back({{"code", issue.code},
                   {"severity", severityName(issue.severity)},
                   {"field", issue.field},
                   {"value", issue.value},
                   {"message", issue.message}});
  }
  return out.dump();
}

std::vector<Issue> issuesFromJson(const std::string& text) {
  std::vector<Issue> issues;
  json in = json::parse(text, nullptr, false);
  if (!in.is_array()) {
    return issues;
  }
  for (const auto& item : in) {
    Issue issue;
    issue.code = item.value("code", "");
    std::string severity = item.value("severity", "error");
    issue.severity = severity == "warning"        ? Severity::kWarning
                     : severity == "out_of_scope" ? Severity::kOutOfScope
                                                  : Severity::kError;
    issue.field = item.value("field", "");
    issue.value = item.value("value", "");
    issue.message = item.value("message", "");
    issues.push_back(std::move(issue));
  }
  return issues;
}

}  // namespace alur::lease
