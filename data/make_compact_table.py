#!/usr/bin/env python3
"""Derive the postal table that alur-relay ships from La Poste's base officielle des codes postaux.

The compact table keeps the five columns the service reads (INSEE code, commune name, postal
code, locality line, routing label), drops the GPS coordinates, removes duplicate lines and
sorts by postal code. Its header is the official one, so the service reads the compact table
and a full copy downloaded from data.gouv.fr alike.

Usage: make_compact_table.py OFFICIAL_CSV COMPACT_CSV
"""
import csv
import sys

COLUMNS = 5  # Code_commune_INSEE;Nom_commune;Code_postal;Ligne_5;Libellé_d_acheminement


def main(source: str, target: str) -> None:
    with open(source, encoding="utf-8-sig", newline="") as f:
        rows = list(csv.reader(f, delimiter=";"))
    header, lines = rows[0][:COLUMNS], {tuple(row[:COLUMNS]) for row in rows[1:] if len(row) >= COLUMNS}
    ordered = sorted(lines, key=lambda row: (row[2], row[0], row[1], row[3]))
    with open(target, "w", encoding="utf-8", newline="") as f:
        f.write(";".join(header) + "\n")
        for row in ordered:
            f.write(";".join(row) + "\n")
    print(f"{target}: {len(ordered)} lines from {len(rows) - 1}")


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    main(sys.argv[1], sys.argv[2])
