#!/usr/bin/env python3
"""Writes fixtures/patients.csv: synthetic legacy patient rows (no real person), with a
few deliberately bad rows at known places. Deterministic: the same file every run.

Usage: python3 scripts/gen_patients.py [ROWS] > fixtures/patients.csv
"""
import random
import sys

FAMILY = ["ABERNATHY", "BALDWIN", "CASTILLO", "DUBOIS", "EKWUEME", "FONTAINE", "GALLAGHER",
          "HOLLOWAY", "IBARRA", "JANSSEN", "KOWALCZYK", "LINDQVIST", "MORIARTY", "NAKAMURA",
          "OKAFOR", "PETROVA", "QUINTERO", "ROSSETTI", "SUNDARAM", "THORNBURY", "UDALL",
          "VASQUEZ", "WINTERBOURNE", "XIONG", "YARBOROUGH", "ZIELINSKI"]
GIVEN_F = ["ADA", "BEATRIX", "CORDELIA", "DELPHINE", "ESMERALDA", "FLORA", "GWENDOLYN", "HONORA"]
GIVEN_M = ["AMBROSE", "BARNABY", "CORNELIUS", "DESMOND", "EZEKIEL", "FITZGERALD", "GIDEON", "HORATIO"]


def main():
    rows = int(sys.argv[1]) if len(sys.argv) > 1 else 120
    rnd = random.Random(20261123)
    out = sys.stdout
    out.write("MRN,PATIENT_NAME,DOB,SEX,PHONE,ZIP\r\n")
    for i in range(1, rows + 1):
        mrn = f"MRN{100000 + i}"
        sex = rnd.choice("MF")
        given = rnd.choice(GIVEN_M if sex == "M" else GIVEN_F)
        family = FAMILY[(i - 1) % len(FAMILY)]
        middle = rnd.choice("ABCDEFGHJKLMNPRSTW")
        name = f"{family}, {given} {middle}"
        dob = f"{rnd.randint(1, 12):02d}/{rnd.randint(1, 28):02d}/{rnd.randint(1931, 2019)}"
        phone = f"555-01{rnd.randint(0, 99):02d}"
        zipc = f"0{rnd.randint(1000, 8999)}"
        # Known bad rows, at fixed places, for the tests.
        if i == 7:
            dob = ""                      # missing birth date
        if i == 11:
            dob = "02/30/1975"            # no such date
        if i == 13:
            sex = "X"                     # not in the code table
        if i == 17:
            dob = "01/01/2031"            # in the future
        if i == 19:
            mrn = ""                      # no business identifier
        if i == 23:
            mrn = "MRN100022"             # repeats row 22's identifier
        if i == 29:
            out.write(f'{mrn},"{name}",{dob},{sex}\r\n')   # ragged: two fields short
            continue
        out.write(f'{mrn},"{name}",{dob},{sex},{phone},{zipc}\r\n')


if __name__ == "__main__":
    main()
