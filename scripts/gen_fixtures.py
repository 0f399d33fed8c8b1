#!/usr/bin/env python3
"""Writes the format fixtures (fixtures/formats/) and the bad corpus (fixtures/bad/).

All data is synthetic: no real person. The text fixtures are written byte for byte; the
workbooks are small: the xlsx and the bad zips are written by hand (zipfile + XML, so
formulas carry cached values and error cells, hidden sheets and merged cells are exact),
the xls with xlwt and the ods with odfpy (pip install xlwt odfpy).

Usage: python3 scripts/gen_fixtures.py        (from the repository root)
The tests in crates/engine/tests/formats.rs hold what each file must read as.
"""
import datetime as dt
import io
import os
import struct
import zipfile

FORMATS = "fixtures/formats"
BAD = "fixtures/bad"
STAMP = (2024, 1, 1, 0, 0, 0)


def write(path, data):
    if isinstance(data, str):
        data = data.encode("utf-8")
    with open(path, "wb") as f:
        f.write(data)


def serial(d):
    """Excel 1900-system serial of a date or datetime."""
    base = dt.datetime(1899, 12, 30)
    if isinstance(d, dt.date) and not isinstance(d, dt.datetime):
        d = dt.datetime(d.year, d.month, d.day)
    delta = d - base
    return delta.days + delta.seconds / 86400


# ---------------------------------------------------------------------------------------
# Delimited text in every encoding and shape.

ROWS = [
    ["MRN", "FAMILY", "GIVEN", "DOB", "ZIP"],
    ["00123", "Muñoz", "Zoë", "1980-03-15", "07030"],
    ["00124", "François", "Renée", "1976-01-01", "02139"],
]


def delimited(rows, sep=",", eol="\n"):
    return eol.join(sep.join(r) for r in rows) + eol


def text_fixtures():
    base = delimited(ROWS)
    write(f"{FORMATS}/utf8.csv", base)
    write(f"{FORMATS}/utf8-bom.csv", b"\xef\xbb\xbf" + delimited(ROWS, eol="\r\n").encode())
    write(f"{FORMATS}/utf16le-bom.csv", b"\xff\xfe" + delimited(ROWS, eol="\r\n").encode("utf-16-le"))
    write(f"{FORMATS}/utf16be.csv", delimited(ROWS).encode("utf-16-be"))
    # cp1252 has the curly apostrophe (0x92) that Latin-1 lacks.
    cp = [r[:] for r in ROWS]
    cp[2][1] = "O’Brien-François"
    write(f"{FORMATS}/cp1252.csv", delimited(cp, eol="\r\n").encode("cp1252"))
    write(f"{FORMATS}/latin1.csv", base.encode("iso-8859-1"))
    write(f"{FORMATS}/tab.tsv", delimited(ROWS, sep="\t"))
    write(f"{FORMATS}/pipe.txt", delimited(ROWS, sep="|", eol="\r\n"))
    write(f"{FORMATS}/semicolon.csv", delimited(ROWS, sep=";"))
    write(f"{FORMATS}/cr-only.csv", delimited(ROWS, eol="\r"))
    write(
        f"{FORMATS}/quoted-newlines.csv",
        'MRN,NOTE,ZIP\r\n00123,"first line\r\nsecond, with comma",07030\r\n'
        '00124,"say ""hi""\nthen go",02139\r\n\r\n00125,plain,10001\r\n',
    )
    write(f"{FORMATS}/ragged.csv", "MRN,FAMILY,ZIP\n00123,Muñoz\n00124,François,02139,extra1,extra2\n00125,Zoë,07030\n")
    write(f"{FORMATS}/header-names.csv", "MRN,,Name,name, DOB ,MRN\n1,2,3,4,5,6\n")
    # An export without a header row (cp1252, CRLF), with a quoted line break and a short row
    # in the rows the header rule reads ahead.
    write(
        f"{FORMATS}/no-header.csv",
        ('00123,Muñoz,Zoë,03/15/1980,F\r\n'
         '00124,"François\r\nthe second",Renée,01/01/1976,F\r\n'
         '00125,Muñoz,Ana,12/31/1999\r\n'
         '00126,Smith,Bob,07/04/1960,M\r\n').encode("cp1252"),
    )


# ---------------------------------------------------------------------------------------
# A hand-written xlsx: shared strings, number formats, formulas with cached values, errors,
# a hidden sheet and merged cells.

def col_name(i):
    s = ""
    i += 1
    while i:
        i, r = divmod(i - 1, 26)
        s = chr(65 + r) + s
    return s


def esc(s):
    return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")


class Xlsx:
    """Cells: (value, kind, style); kind: s (string), n (number), b, e (error), f (formula:
    value is (formula, cached, cached_kind))."""

    def __init__(self):
        self.strings = []
        self.sheets = []  # (name, state, rows {r: [(c, cell)]}, merges)

    def sst(self, s):
        if s not in self.strings:
            self.strings.append(s)
        return self.strings.index(s)

    def sheet(self, name, rows, state=None, merges=(), dimension=None):
        self.sheets.append((name, state, rows, list(merges), dimension))

    def cell_xml(self, ref, cell):
        value, kind, style = cell
        s = f' s="{style}"' if style else ""
        if kind == "s":
            return f'<c r="{ref}" t="s"{s}><v>{self.sst(value)}</v></c>'
        if kind == "n":
            return f'<c r="{ref}"{s}><v>{value!r}</v></c>'
        if kind == "b":
            return f'<c r="{ref}" t="b"{s}><v>{1 if value else 0}</v></c>'
        if kind == "e":
            return f'<c r="{ref}" t="e"{s}><v>{esc(value)}</v></c>'
        formula, cached, ck = value
        t = {"n": "", "e": ' t="e"', "s": ' t="str"', "b": ' t="b"'}[ck]
        return f'<c r="{ref}"{t}{s}><f>{esc(formula)}</f><v>{esc(str(cached))}</v></c>'

    def sheet_xml(self, rows, merges, dimension):
        out = ['<?xml version="1.0" encoding="UTF-8" standalone="yes"?>',
               '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">']
        if dimension:
            out.append(f'<dimension ref="{dimension}"/>')
        out.append("<sheetData>")
        for r in sorted(rows):
            cells = "".join(self.cell_xml(f"{col_name(c)}{r}", cell) for c, cell in rows[r])
            out.append(f'<row r="{r}">{cells}</row>')
        out.append("</sheetData>")
        if merges:
            out.append(f'<mergeCells count="{len(merges)}">')
            out.extend(f'<mergeCell ref="{m}"/>' for m in merges)
            out.append("</mergeCells>")
        out.append("</worksheet>")
        return "".join(out)

    def bytes(self, extra_parts=()):
        sheets_xml = [self.sheet_xml(rows, merges, dim) for _, _, rows, merges, dim in self.sheets]
        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
            def put(name, text):
                z.writestr(zipfile.ZipInfo(name, STAMP), text, zipfile.ZIP_DEFLATED)
            overrides = "".join(
                f'<Override PartName="/xl/worksheets/sheet{i + 1}.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
                for i in range(len(self.sheets)))
            put("[Content_Types].xml",
                '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
                '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
                '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
                '<Default Extension="xml" ContentType="application/xml"/>'
                '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
                '<Override PartName="/xl/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>'
                '<Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/>'
                f'{overrides}</Types>')
            put("_rels/.rels",
                '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
                '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
                '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/>'
                '</Relationships>')
            sheets = "".join(
                '<sheet name="%s" sheetId="%d"%s r:id="rId%d"/>'
                % (esc(name), i + 1, ' state="%s"' % state if state else "", i + 1)
                for i, (name, state, _, _, _) in enumerate(self.sheets))
            put("xl/workbook.xml",
                '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
                '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
                'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
                f'<sheets>{sheets}</sheets></workbook>')
            rels = "".join(
                f'<Relationship Id="rId{i + 1}" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet{i + 1}.xml"/>'
                for i in range(len(self.sheets)))
            n = len(self.sheets)
            rels += (f'<Relationship Id="rId{n + 1}" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" Target="styles.xml"/>'
                     f'<Relationship Id="rId{n + 2}" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings" Target="sharedStrings.xml"/>')
            put("xl/_rels/workbook.xml.rels",
                '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
                f'<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">{rels}</Relationships>')
            # Styles: 0 General, 1 date, 2 time, 3 date-time, 4 builtin 14 (m/d/yyyy), 5 "0.00".
            put("xl/styles.xml",
                '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
                '<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
                '<numFmts count="3"><numFmt numFmtId="164" formatCode="yyyy\\-mm\\-dd"/>'
                '<numFmt numFmtId="165" formatCode="hh:mm:ss"/>'
                '<numFmt numFmtId="166" formatCode="yyyy\\-mm\\-dd\\ hh:mm"/></numFmts>'
                '<fonts count="1"><font><sz val="11"/><name val="Calibri"/></font></fonts>'
                '<fills count="1"><fill><patternFill patternType="none"/></fill></fills>'
                '<borders count="1"><border/></borders>'
                '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
                '<cellXfs count="6"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'
                '<xf numFmtId="164" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
                '<xf numFmtId="165" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
                '<xf numFmtId="166" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
                '<xf numFmtId="14" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
                '<xf numFmtId="2" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
                '</cellXfs></styleSheet>')
            for i, xml in enumerate(sheets_xml):
                put(f"xl/worksheets/sheet{i + 1}.xml", xml)
            sst = "".join(f"<si><t xml:space=\"preserve\">{esc(s)}</t></si>" for s in self.strings)
            put("xl/sharedStrings.xml",
                '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
                f'<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="{len(self.strings)}" uniqueCount="{len(self.strings)}">{sst}</sst>')
            for name, data in extra_parts:
                put(name, data)
        return buf.getvalue()


def S(v, style=0):
    return (v, "s", style)


def N(v, style=0):
    return (v, "n", style)


def workbook_xlsx():
    x = Xlsx()
    dob1, dob2 = serial(dt.date(1980, 3, 15)), serial(dt.date(1976, 1, 1))
    visit = serial(dt.datetime(2024, 3, 14, 9, 30))
    t930 = 9.5 / 24
    header = ["MRN", "Name", "DOB", "Visit", "Time", "Weight", "Age", "Active", "BMI", "Check", "Seen"]
    patients = {
        1: [(i, S(h)) for i, h in enumerate(header)],
        2: [(0, S("00123")), (1, S("Muñoz, Zoë")), (2, N(dob1, 1)), (3, N(visit, 3)), (4, N(t930, 2)),
            (5, N(61.5)), (6, N(44)), (7, (True, "b", 0)),
            (8, (("F2/1.65^2", 22.589531680440775, "n"), "f", 0)),
            (9, (("1/0", "#DIV/0!", "e"), "f", 0)), (10, N(dob1, 4))],
        3: [(0, S("00124")), (1, S("François")), (2, N(dob2, 1)), (5, N(0.30000000000000004)),
            (6, N(48, 5)), (7, (False, "b", 0)), (8, (("F3/1.8^2", "n/a", "s"), "f", 0)),
            (9, ("#N/A", "e", 0))],
        # Row 4 is empty; row 5 has a merged note across B5:C5 and a cell past the header.
        5: [(0, S("00125")), (1, S("merged note")), (12, S("stray"))],
    }
    x.sheet("Patients", patients, merges=["B5:C5", "K1:L1"], dimension="A1:M5")
    old = {3: [(1, S("ID")), (2, S("Note"))], 4: [(1, N(1)), (2, S("legacy"))]}
    x.sheet("Old", old, state="hidden", dimension="B3:C4")
    write(f"{FORMATS}/workbook.xlsx", x.bytes())
    return x


def legacy_xls():
    import xlwt
    wb = xlwt.Workbook(encoding="utf-8")
    ws = wb.add_sheet("Patients")
    date = xlwt.easyxf(num_format_str="YYYY-MM-DD")
    stamp = xlwt.easyxf(num_format_str="YYYY-MM-DD HH:MM:SS")
    for i, h in enumerate(["MRN", "Name", "DOB", "Seen", "Weight", "Active"]):
        ws.write(0, i, h)
    ws.write(1, 0, "00123")
    ws.write(1, 1, "Muñoz")
    ws.write(1, 2, dt.date(1980, 3, 15), date)
    ws.write(1, 3, dt.datetime(2024, 3, 14, 9, 30), stamp)
    ws.write(1, 4, 61.5)
    ws.write(1, 5, True)
    ws.write(2, 0, "00124")
    ws.write(2, 1, "Zoë")
    ws.write(2, 4, 70)
    ws.write(2, 5, False)
    ws.write_merge(3, 3, 0, 1, "merged")
    ws2 = wb.add_sheet("Codes")
    ws2.write(0, 0, "Code")
    ws2.write(1, 0, "A1")
    wb.save(f"{FORMATS}/legacy.xls")


def calc_ods():
    from odf.opendocument import OpenDocumentSpreadsheet
    from odf.table import Table, TableRow, TableCell
    from odf.text import P
    doc = OpenDocumentSpreadsheet()

    def cell(shown=None, **kw):
        if shown is not None and not kw:
            kw = {"valuetype": "string"}
        c = TableCell(**kw)
        if shown is not None:
            c.addElement(P(text=shown))
        return c

    t = Table(name="Patients")
    rows = [
        [cell("MRN"), cell("Name"), cell("DOB"), cell("Time"), cell("Weight"), cell("Active")],
        [cell("00123"), cell("Muñoz"), cell("1980-03-15", valuetype="date", datevalue="1980-03-15"),
         cell("09:30:00", valuetype="time", timevalue="PT09H30M00S"),
         cell("61.5", valuetype="float", value="61.5"),
         cell("TRUE", valuetype="boolean", booleanvalue="true")],
        [cell("00124"), cell("Zoë"), cell(), cell(), cell("70", valuetype="float", value="70"),
         cell("FALSE", valuetype="boolean", booleanvalue="false")],
    ]
    for r in rows:
        tr = TableRow()
        for c in r:
            tr.addElement(c)
        t.addElement(tr)
    doc.spreadsheet.addElement(t)
    empty = Table(name="Empty")
    empty.addElement(TableRow())
    doc.spreadsheet.addElement(empty)
    doc.save(f"{FORMATS}/calc.ods")


# ---------------------------------------------------------------------------------------
# HL7 v2 and NDJSON.

def hl7_fixtures():
    adt = [
        "MSH|^~\\&|LEGACY|CLINIC^1.2.3^ISO|NEWEHR|HOSP|20240314093000||ADT^A04^ADT_A01|MSG0001|P|2.5.1",
        "EVN|A04|20240314093000",
        "PID|1||00123^^^MRN~555-12-3456^^^SSN||Muñoz^Zoë^Q||19800315|F|||1 Main St^^Hoboken^NJ^07030",
        "PV1|1|O",
    ]
    a08 = [
        "MSH|^~\\&|LEGACY|CLINIC|NEWEHR|HOSP|20240315101500||ADT^A08|MSG0002|P|2.5.1",
        "PID|1||00124^^^MRN||François^Renée||19760101|F",
    ]
    write(f"{FORMATS}/adt.hl7", "\r".join(adt) + "\r" + "\r".join(a08) + "\r")
    siu = [
        "MSH|^~\\&|SCHED|CLINIC|NEWEHR|HOSP|20240316080000||SIU^S12|SIU0001|P|2.3",
        "SCH|1001||||||Checkup",
        "PID|1||00123^^^MRN||Muñoz^Zoë",
    ]
    oru = [
        "MSH|^~\\&|LAB|CLINIC|NEWEHR|HOSP|20240317120000||ORU^R01|ORU0001|P|2.5.1",
        "PID|1||00124^^^MRN||François^Renée",
        "OBR|1||LAB1|GLU^Glucose",
        "OBX|1|NM|GLU^Glucose||95|mg/dL",
        "OBX|2|TX|NOTE^Note||fasting\\.br\\morning",
    ]
    framed = b""
    for m in (siu, oru):
        framed += b"\x0b" + "\r".join(m).encode() + b"\r\x1c\r"
    write(f"{FORMATS}/mllp.hl7", framed)
    batch = ["FHS|^~\\&|LEGACY|CLINIC", "BHS|^~\\&|LEGACY|CLINIC"] + adt + a08 + ["BTS|2", "FTS|1"]
    write(f"{FORMATS}/batch.hl7", "\r\n".join(batch) + "\r\n")
    custom = [
        "MSH#$*@%#LEGACY#CLINIC$EAST#NEWEHR#HOSP#20240318##ORU$R01#C0001#P#2.3",
        "PID###00123*00999##Smith@F@Jones$Ann@S@Marie##19800315",
        "OBX#1#TX#NOTE##A@T@B@R@C@E@D@X4D75C3B16F7A@",
    ]
    write(f"{FORMATS}/custom-separators.hl7", "\r".join(custom) + "\r")
    write(f"{FORMATS}/lf.hl7", "\n".join(oru) + "\n")


def ndjson_fixtures():
    lines = [
        '{"resourceType":"Patient","id":"p1","name":[{"family":"Muñoz","given":["Zoë"]}],"birthDate":"1980-03-15"}',
        '{"resourceType":"Observation","id":"o1","status":"final","code":{"text":"Glucose"},"subject":{"reference":"Patient/p1"}}',
        "",
        '{"resourceType":"Patient","id":"p2","name":[{"family":"Fran',
        '{"resourceType":"Patient","id":"p3"}',
    ]
    write(f"{FORMATS}/bulk.ndjson", "\n".join(lines) + "\n")


# ---------------------------------------------------------------------------------------
# The bad corpus.

def zip_bytes(parts, method=zipfile.ZIP_DEFLATED):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", method) as z:
        for name, data in parts:
            z.writestr(zipfile.ZipInfo(name, STAMP), data, method)
    return buf.getvalue()


def bad_fixtures(x):
    good = open(f"{FORMATS}/workbook.xlsx", "rb").read()
    write(f"{BAD}/truncated.xlsx", good[: len(good) // 2])
    write(f"{BAD}/empty.xlsx", b"")
    write(f"{BAD}/not-a-workbook.xlsx", zip_bytes([("readme.txt", "just a zip\n"), ("data/x.csv", "a,b\n")]))
    write(f"{BAD}/docx-renamed.xlsx", zip_bytes([
        ("[Content_Types].xml", '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"/>'),
        ("word/document.xml", "<document/>")]))

    # A zip bomb: a sheet padded with 64 MiB of blanks (which XML ignores) packs ~1000:1.
    bomb = Xlsx()
    bomb.sheet("Bomb", {1: [(0, S("x"))]})
    with zipfile.ZipFile(io.BytesIO(bomb.bytes())) as z:
        parts = [(n, z.read(n)) for n in z.namelist()]
    pad = b" " * (64 << 20)
    parts = [(n, d.replace(b"<sheetData>", b"<sheetData>" + pad) if n.endswith("sheet1.xml") else d)
             for n, d in parts]
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        for n, d in parts:
            z.writestr(zipfile.ZipInfo(n, STAMP), d, zipfile.ZIP_DEFLATED, compresslevel=9)
    write(f"{BAD}/zip-bomb.xlsx", buf.getvalue())

    # A sheet whose zip entry claims 3 GiB: the central directory's size is patched.
    small = Xlsx()
    small.sheet("Claims", {1: [(0, S("A"))], 2: [(0, N(1))]})
    data = bytearray(small.bytes())
    name = b"xl/worksheets/sheet1.xml"
    pos = 0
    while True:
        pos = data.find(b"PK\x01\x02", pos)
        if pos < 0:
            break
        nlen = struct.unpack_from("<H", data, pos + 28)[0]
        if data[pos + 46: pos + 46 + nlen] == name:
            struct.pack_into("<I", data, pos + 24, 3 << 30)
        pos += 4
    write(f"{BAD}/declared-3gib.xlsx", bytes(data))

    # Two cells 17 billion cells apart: a dense reader would allocate gigabytes.
    sparse = Xlsx()
    sparse.sheet("Sparse", {1: [(0, S("A"))], 1048576: [(16383, S("far"))]}, dimension="A1:XFD1048576")
    write(f"{BAD}/sparse-corners.xlsx", sparse.bytes())
    beyond = Xlsx()
    beyond.sheet("Beyond", {1: [(0, S("A"))], 2: [(16384, S("x"))]})
    write(f"{BAD}/beyond-xfd.xlsx", beyond.bytes())
    blank = Xlsx()
    blank.sheet("Blank", {})
    write(f"{BAD}/only-empty-sheets.xlsx", blank.bytes())

    # An ods whose one non-empty row repeats a million times, 1,000 cells wide.
    content = ('<?xml version="1.0" encoding="UTF-8"?>'
               '<office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
               'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
               'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" office:version="1.2">'
               '<office:body><office:spreadsheet><table:table table:name="Bomb">'
               '<table:table-row table:number-rows-repeated="1000000">'
               '<table:table-cell office:value-type="float" office:value="1" table:number-columns-repeated="1000">'
               '<text:p>1</text:p></table:table-cell></table:table-row>'
               '</table:table></office:spreadsheet></office:body></office:document-content>')
    ods = io.BytesIO()
    with zipfile.ZipFile(ods, "w") as z:
        z.writestr(zipfile.ZipInfo("mimetype", STAMP), "application/vnd.oasis.opendocument.spreadsheet", zipfile.ZIP_STORED)
        z.writestr(zipfile.ZipInfo("content.xml", STAMP), content, zipfile.ZIP_DEFLATED)
    write(f"{BAD}/repeat-bomb.ods", ods.getvalue())

    xls = open(f"{FORMATS}/legacy.xls", "rb").read()
    write(f"{BAD}/truncated.xls", xls[:1024])
    write(f"{BAD}/wrong-magic.xls", b"\x00\x01\x02\x03garbage that is no workbook\xff\xfe" * 8)
    write(f"{BAD}/html-table.xls", "<html><body><table><tr><td>MRN</td></tr><tr><td>00123</td></tr></table></body></html>\n")
    # A DIMENSIONS record claiming 65,536 x 256 cells.
    data = bytearray(xls)
    pos = data.find(b"\x00\x02\x0e\x00")
    assert pos > 0, "no DIMENSIONS record in legacy.xls"
    struct.pack_into("<IIHH", data, pos + 4, 0, 65536, 0, 256)
    write(f"{BAD}/huge-dimensions.xls", bytes(data))

    write(f"{BAD}/invalid-utf8.csv", b"MRN,NAME\n1,Mu\xf1oz\n2,ok\n")
    write(f"{BAD}/unterminated-quote.csv", 'MRN,NOTE\n1,"never closed\n2,after\n')
    write(f"{BAD}/wide-10000-columns.csv", ",".join(f"c{i}" for i in range(1, 10001)) + "\n" + ",".join("1" * 10000) + "\n")
    write(f"{BAD}/header-only.csv", "MRN,NAME,DOB\n")
    write(f"{BAD}/nul-bytes.csv", b"MRN,NAME\n1,Mu\x00oz\n")
    write(f"{BAD}/bom-only.csv", b"\xef\xbb\xbf")
    write(f"{BAD}/blank-lines-only.csv", "\n\r\n\n")
    write(f"{BAD}/mixed-encodings.csv", "MRN,NAME\n1,Muñoz\n".encode() + "2,François\n".encode("cp1252"))
    write(f"{BAD}/cr-only.csv", "MRN,NAME\r1,a\r\r2,b\r")
    write(f"{BAD}/utf16-odd-byte.csv", b"\xff\xfe" + "MRN,NAME\r\n1,a\r\n".encode("utf-16-le") + b"\x41")
    write(f"{BAD}/no-msh.hl7", "PID|1||00123\rPV1|1|O\r")
    write(f"{BAD}/bad-mllp.hl7", b"\x0bMSH|^~\\&|A|F1|||20240101||ADT^A04|1|P|2.5\rPID|1\r"
          b"\x0bMSH|^~\\&|A|F2|||20240101||ADT^A08|2|P|2.5\rPID|2\r\x1c\r\x1c\r"
          b"MSH|^~\\&|A|F3|||20240101||ADT^A08|3|P|2.5\r")
    write(f"{BAD}/bad-msh.hl7", "MSH|^~\\&|A|F|||20240101||ADT^A04|1|P|2.5\rPID|1\r"
          "MSH|^^\\&|A|F|||20240101||ADT^A04|2|P|2.5\r"
          "MSH|^~\\&|A|F|||20240101||ADT^A04|3|P|2.5\rfree text that is no segment\r"
          "MSHA^~\\&\r")
    write(f"{BAD}/garbage-before-msh.hl7", "exported by legacy tool\r\nMSH|^~\\&|A|F|||20240101||ADT^A04|1|P|2.5\r")
    write(f"{BAD}/binary.hl7", b"MSH|^~\\&|\x00\x01\x02binary")
    write(f"{BAD}/broken-lines.ndjson", '{"resourceType":"Patient","id":"p1"}\n'
          'not json\n[1,2]\n{"id":"x"}\n{"resourceType":"Patient","id":"p2"\n{"resourceType":5}\n')
    write(f"{BAD}/crlf-and-cr.ndjson", '{"resourceType":"Patient","id":"a"}\r\n{"resourceType":"Patient","id":"b"}\r{"resourceType":"Patient","id":"c"}\n')


def main():
    os.makedirs(FORMATS, exist_ok=True)
    os.makedirs(BAD, exist_ok=True)
    text_fixtures()
    x = workbook_xlsx()
    legacy_xls()
    calc_ods()
    hl7_fixtures()
    ndjson_fixtures()
    bad_fixtures(x)


if __name__ == "__main__":
    main()
