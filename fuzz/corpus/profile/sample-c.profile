# Profile for XML exports: one <Bail> element per lease under the root <ExportBaux>, the address,
# the dwelling, the contract and the rent as attributes of child elements, decimal points and
# ISO dates. The <Locataire> element (the tenant's name) is not read.
# The format of profiles is described in docs/profiles.md.

[profile]
name = sample-c

[format]
type = xml
record = ExportBaux/Bail
decimal_separator = dot
thousands_separators = none
date_formats = yyyy-mm-dd

# Paths are relative to the <Bail> element: "@lot" is its attribute lot, "Adresse/@cp" the
# attribute cp of its child <Adresse>, and a path without "@" is an element's text.
[columns]
dwelling_id = @lot
street_number = Adresse/@numero
repetition = Adresse/@indice
street_type = Adresse/@voie
street_name = Adresse/@nomVoie
postal_code = Adresse/@cp
city = Adresse/@commune
housing_kind = Bien/@type
surface = Bien/@surface
rooms = Bien/@pieces
floor = Bien/@etage
construction_year = Bien/@anneeConstruction
dpe_class = Bien/@dpe
lease_kind = Contrat/@nature
lease_date = Contrat/@dateEffet
move_in_date = Contrat/@dateEntree
rent = Contrat/Loyer/@hc
charges = Contrat/Loyer/@charges
rent_supplement = Contrat/Loyer/@complement

[values.housing_kind]
Maison = individual
Appartement = collective
Studio = collective
Parking = out_of_scope

[values.lease_kind]
Habitation vide = unfurnished
Meublé = furnished
Commercial = out_of_scope
Professionnel = out_of_scope
Parking = out_of_scope
Saisonnier = out_of_scope
