# Profile for exports written as ";"-separated CSV in Windows-1252 with French column labels,
# decimal commas, dd/mm/yyyy dates and the address on one free-text line.
# The format of profiles is described in docs/profiles.md.

[profile]
name = sample-a

[format]
type = csv
encoding = windows-1252
separator = ;
quote = double-quote
decimal_separator = ,
thousands_separators = space, nbsp, nnbsp
currency_marks = €, EUR
date_formats = dd/mm/yyyy, dd/mm/yy

# Canonical field = column header in the export. Columns not listed here (tenant, owner,
# lease number) are never read, so their personal data never enters the service.
[columns]
dwelling_id = Réf lot
management_id = N° mandat
address_line = Adresse
address_complement = Complément adresse
postal_code = Code postal
city = Ville
housing_kind = Type de bien
lease_kind = Nature du bail
surface = Surface habitable
rooms = Nb pièces
floor = Étage
construction_year = Année construction
dpe_class = Classe DPE
heating = Chauffage
elevator = Ascenseur
rent = Loyer HC
charges = Provision charges
rent_supplement = Complément de loyer
lease_date = Date d'effet du bail
move_in_date = Date d'entrée
ownership = Régime juridique

# Labels of the export (compared without case or accents) = code.
[values.housing_kind]
Maison = individual
Appartement = collective
Studio = collective
Parking = out_of_scope
Garage = out_of_scope
Local commercial = out_of_scope

[values.lease_kind]
Habitation vide = unfurnished
Meublé = furnished
Commercial = out_of_scope
Professionnel = out_of_scope
Parking = out_of_scope
Saisonnier = out_of_scope

[values.heating]
Individuel = individual
Collectif = collective

[values.elevator]
O = yes
Oui = yes
N = no
Non = no

[values.ownership]
Monopropriété = single
Copropriété = co
