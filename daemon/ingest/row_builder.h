// Turns the raw text values of one export record into a canonical lease record, following the
// profile's conventions (numbers, dates, value maps, address parts), with a finding for every
// value it cannot read.
#pragma once

#include <map>
#include <string>

#include "ingest/export_reader.h"
#include "ingest/profile.h"

namespace alur::ingest {

// The export's text for each field the profile maps; a field absent from the map is empty.
using FieldValues = std::map<Field, std::string>;

void buildRow(const Profile& profile, const FieldValues& values, ExportRow& row);

}  // namespace alur::ingest
