#!/usr/bin/env python3
"""Writes fixtures/clinic/: a small synthetic clinic export with the quirks mapping must
handle (cp1252 names, two-digit years, DST-day appointments in Boston and Phoenix, HTML
notes over 2000 characters, lab results with comparators, a corrected result, a result
and its later correction, unmapped codes, and an appointment entered twice). Every name,
number and note is made up. The golden output fixtures/clinic/expected.json is checked by
crates/cli/tests/cli.rs (UPDATE_GOLDEN=1 rewrites it).
"""
import os

OUT = os.path.join(os.path.dirname(__file__), "..", "fixtures", "clinic")


def write(name, rows, encoding="utf-8", eol="\r\n"):
    def cell(v):
        v = str(v)
        return '"' + v.replace('"', '""') + '"' if any(c in v for c in ',"\r\n') else v
    text = eol.join(",".join(cell(c) for c in r) for r in rows) + eol
    with open(os.path.join(OUT, name), "wb") as f:
        f.write(text.encode(encoding))


write("patients.csv", [
    ["MRN", "PATIENT_NAME", "DOB", "SEX", "PHONE", "ZIP", "STATE", "SSN"],
    ["C1001", "MUÑOZ, JOSÉ A", "3/15/61", "M", "(617) 555-0142", "2139", "MA", "123-45-6780"],
    ["C1002", "O’BRIEN-FRANÇOIS, RENÉE", "12/1/05", "F", "617.555.0177 x12", "02134", "MA", "999-99-9999"],
    ["C1003", "NGUYEN JR, BAO", "7/4/99", "M", "16025550110", "85004", "AZ", ""],
    ["C1004", "Zoë Quinn Adeyemi", "1/2/24", "F", "555-0199", "85004-1234", "AZ", "078-05-1121"],
    ["C1005", "KOWALSKI, ANNA", "2/30/85", "X", "", "1810", "MA", "12-345"],
], encoding="cp1252")

write("practitioners.csv", [
    ["PROV_ID", "PROV_NAME", "NPI", "SPECIALTY"],
    ["DR01", "HALVORSEN, INGRID M", "1234567893", "Family Medicine"],
    ["DR02", "OKAFOR, CHUKWUDI", "1245319599", "Endocrinology"],
])

write("locations.csv", [
    ["LOC_ID", "LOC_NAME", "TZ"],
    ["BOS", "Back Bay Family Practice", "America/New_York"],
    ["PHX", "Camelback Clinic", "America/Phoenix"],
])

# Boston: the spring-forward gap (2:30 does not exist), the fall-back overlap (1:30 twice),
# and ordinary times on both sides.
write("appointments_boston.csv", [
    ["APPT_ID", "PAT_MRN", "PROV_ID", "APPT_DATE", "APPT_TIME", "MINUTES", "STATUS"],
    ["A5001", "C1001", "DR01", "03/09/2024", "9:30 AM", "20", "S"],
    ["A5002", "C1002", "DR01", "03/10/2024", "2:30 AM", "15", "S"],
    ["A5003", "C1003", "DR02", "03/10/2024", "0930", "30", "S"],
    ["A5004", "C1001", "DR02", "11/03/2024", "1:30 AM", "15", "C"],
    ["A5005", "C1004", "DR01", "11/03/2024", "14:05", "40", "N"],
    ["A5006", "C9999", "DR01", "11/04/2024", "8:00 AM", "20", "S"],
    # A5001 entered again (time written another way) and cancelled: one appointment, A5001.
    ["A5007", "C1001", "DR01", "03/09/2024", "0930", "20", "C"],
])

# Phoenix keeps -07:00 all year: the same wall times are all real and unambiguous.
write("appointments_phoenix.csv", [
    ["APPT_ID", "PAT_MRN", "PROV_ID", "APPT_DATE", "APPT_TIME", "MINUTES", "STATUS"],
    ["P7001", "C1003", "DR02", "03/10/2024", "2:30 AM", "15", "S"],
    ["P7002", "C1004", "DR02", "11/03/2024", "1:30 AM", "30", "S"],
])

write("labs.csv", [
    ["ACCESSION", "PAT_MRN", "TEST_CODE", "RESULT", "UNITS", "REF_RANGE", "ABN_FLAG", "STATUS", "RESULT_DT"],
    ["L900", "C1001", "GLU", "129", "mg/dl", "70-99", "H", "F", "202403010700"],
    ["L901", "C1001", "TSH", "<0.01", "mIU/L", "0.4-4.0", "L", "F", "202403010700"],
    ["L902", "C1002", "HGB", "13.50", "g/dl", "12.0-15.5", "", "C", "202403021015"],
    ["L903", "C1003", "A1C", ">14.0", "%", "<5.7", "H", "F", "202403031200"],
    ["L904", "C1003", "UPREG", "NEGATIVE", "", "NEGATIVE", "", "F", "202403031200"],
    ["L905", "C1004", "VITD", "21", "ng/mL", "30-100", "L", "F", "202403041130"],
    # L900's glucose corrected later the same morning: one result, the corrected value.
    ["L900", "C1001", "GLU", "128", "mg/dl", "70-99", "H", "C", "202403011015"],
])

lorem = ("Patient seen for follow-up of type 2 diabetes &amp; hypertension. "
         "Reports good adherence; denies chest pain &lt;or&gt; dyspnea. ")
long_note = ("<html><body><h2>Progress note</h2><p>" + lorem * 20 + "</p>"
             "<ul><li>Metformin 500&nbsp;mg BID</li><li>Lisinopril 10&nbsp;mg daily</li></ul>"
             "<p>Plan: recheck A1c in 3 months.<br>Return sooner if symptoms worsen.</p>"
             "<script>track()</script></body></html>")
assert len(long_note) > 2000
write("notes.csv", [
    ["NOTE_ID", "PAT_MRN", "PROV_ID", "NOTE_DT", "TITLE", "NOTE_HTML"],
    ["N301", "C1001", "DR02", "20240309 0945", "Diabetes follow-up", long_note],
    ["N302", "C1004", "DR01", "20241103 1410", "Well child visit", "<p>Growth on track.</p><p>Vaccines &amp; screening up to date.</p>"],
])

write("encounters.csv", [
    ["ENC_ID", "PAT_MRN", "PROV_ID", "LOC_ID", "START", "END", "KIND"],
    ["E801", "C1001", "DR02", "BOS", "202403090930", "202403090950", "AMB"],
    ["E802", "C1003", "DR02", "BOS", "202403100230", "202403100245", "AMB"],
    ["E803", "C1002", "DR01", "BOS", "202403101400", "202403121000", "IMP"],
])
print("wrote", sorted(os.listdir(OUT)))
