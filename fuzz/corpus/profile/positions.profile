[format]
type = csv
header = no
encoding = auto
separator = tab
quote = single-quote
decimal_separator = dot
thousands_separators = apostrophe, nnbsp
date_formats = dd.mm.yyyy, yyyy-mm-dd
[columns]
dwelling_id = 1
address_line = 2
postal_code = 3
city = 4
surface = 5
rooms = 6
rent = 7
move_in_date = 8
lease_kind = 9
elevator = 10
[values.lease_kind]
vide = unfurnished
[values.elevator]
oui = yes
