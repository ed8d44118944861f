"""Fill msgstr entries of a catalogue from a Python dict file: bin/po_fill.py APP DICTFILE.

The dict file holds `T = {"English msgid": "中文", ...}`. Entries already translated
are kept unless the dict has them; fuzzy flags are cleared for filled entries."""

import runpy
import sys

import polib

app, dict_file = sys.argv[1], sys.argv[2]
table = runpy.run_path(dict_file)["T"]
path = f"{app}/locale/zh_Hans/LC_MESSAGES/django.po"
po = polib.pofile(path)
missing = []
for entry in po:
    if entry.msgid in table:
        entry.msgstr = table[entry.msgid]
        if "fuzzy" in entry.flags:
            entry.flags.remove("fuzzy")
    elif not entry.msgstr:
        missing.append(entry.msgid)
po.metadata["Content-Type"] = "text/plain; charset=UTF-8"
po.metadata["Language"] = "zh_Hans"
po.save(path)
for m in missing:
    print("untranslated:", repr(m))
