# Profile for exports written as ","-separated CSV in UTF-8 with a byte order mark, every field
# quoted, English column names, decimal points, ISO dates, the street number in its own column
# and a free-text notes column that may hold line breaks (it is not read).
# The format of profiles is described in docs/profiles.md.

[profile]
name = sample-b

[format]
type = csv
encoding = utf-8
separator = comma
quote = double-quote
decimal_separator = dot
thousands_separators = none
currency_marks = €, EUR
date_formats = yyyy-mm-dd

[columns]
dwelling_id = lot_id
management_id = mandate_no
street_number = street_no
repetition = street_no_suffix
street = street
address_complement = address_2
postal_code = zip
city = town
housing_kind = property_type
lease_kind = lease_kind
surface = living_area_m2
rooms = main_rooms
construction_year = build_year
dpe_class = energy_class
rent = monthly_rent_excl_charges
charges = monthly_charges
lease_date = lease_start
move_in_date = tenant_entry

[values.housing_kind]
Maison = individual
Appartement = collective
Studio = collective
Parking = out_of_scope

[values.lease_kind]
unfurnished = unfurnished
furnished = furnished
commercial = out_of_scope
professionnel = out_of_scope
parking = out_of_scope
saisonnier = out_of_scope
