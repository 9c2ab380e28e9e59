#include "ingest/address.h"

#include <gtest/gtest.h>

namespace alur::ingest {
namespace {

TEST(AddressTest, SplitsNumberTypeAndName) {
  AddressParts parts = parseAddressLine("167 rue Gambetta");
  EXPECT_EQ(parts.street_number, "167");
  EXPECT_EQ(parts.repetition, "");
  EXPECT_EQ(parts.street_type, "RUE");
  EXPECT_EQ(parts.street_name, "Gambetta");
}

TEST(AddressTest, ReadsRepetitionWord) {
  AddressParts parts = parseAddressLine("40 ter impasse des Frênes");
  EXPECT_EQ(parts.street_number, "40");
  EXPECT_EQ(parts.repetition, "T");
  EXPECT_EQ(parts.street_type, "IMP");
  EXPECT_EQ(parts.street_name, "des Frênes");
}

TEST(AddressTest, ReadsRepetitionLetterGluedToNumber) {
  AddressParts parts = parseAddressLine("12B, avenue Jean Moulin");
  EXPECT_EQ(parts.street_number, "12");
  EXPECT_EQ(parts.repetition, "B");
  EXPECT_EQ(parts.street_type, "AV");
  EXPECT_EQ(parts.street_name, "Jean Moulin");
}

TEST(AddressTest, KeepsWholeLineWithoutNumber) {
  AddressParts parts = parseAddressLine("Résidence Les Pins");
  EXPECT_EQ(parts.street_number, "");
  EXPECT_EQ(parts.street_name, "Résidence Les Pins");
}

TEST(AddressTest, MapsAccentedStreetTypes) {
  EXPECT_EQ(streetTypeCode("allée"), "ALL");
  EXPECT_EQ(streetTypeCode("Chaussée"), "CHS");
  EXPECT_EQ(streetTypeCode("Bd"), "BD");
  EXPECT_EQ(streetTypeCode("Lieu-dit"), "");
}

TEST(AddressTest, ParsesStreetColumnWithoutNumber) {
  AddressParts parts = parseStreet("boulevard de la République");
  EXPECT_EQ(parts.street_type, "BD");
  EXPECT_EQ(parts.street_name, "de la République");
}

TEST(AddressTest, LeavesUnknownStreetTypeInName) {
  AddressParts parts = parseAddressLine("3 Grande Rue");
  EXPECT_EQ(parts.street_number, "3");
  EXPECT_EQ(parts.street_type, "");
  EXPECT_EQ(parts.street_name, "Grande Rue");
}

}  // namespace
}  // namespace alur::ingest
