#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Copies a data file, renaming the stable app id to a development one.

Usage: rename-app-id.py NEW_ID INPUT OUTPUT
"""
import re
import sys

new_id, src, dst = sys.argv[1:4]
with open(src, encoding="utf-8") as f:
    text = f.read()
# com.example.Aios, com.example.Aios.desktop, but never a name already renamed
text = re.sub(r"com\.example\.Aios(?![\w-]|\.Devel)", new_id, text)
with open(dst, "w", encoding="utf-8") as f:
    f.write(text)
