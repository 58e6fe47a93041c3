#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Checks JSON documents against peranda's JSON Schemas.

Reads JSON lines {"schema": NAME, "doc": TEXT, "valid": BOOL, "case": LABEL}
from the file given as argv[2] (schemas folder argv[1]) and prints one line
per case whose schema verdict differs from "valid". Exit 1 if any differ.
"""
import json
import sys

import jsonschema

schemas_dir, cases_file = sys.argv[1], sys.argv[2]
validators = {}
mismatches = 0
with open(cases_file, encoding="utf-8") as cases:
    for line in cases:
        case = json.loads(line)
        name = case["schema"]
        if name not in validators:
            with open(f"{schemas_dir}/{name}.schema.json", encoding="utf-8") as f:
                schema = json.load(f)
            jsonschema.Draft202012Validator.check_schema(schema)
            validators[name] = jsonschema.Draft202012Validator(
                schema, format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER)
        try:
            doc = json.loads(case["doc"])
            errors = list(validators[name].iter_errors(doc))
        except json.JSONDecodeError as e:
            errors = [str(e)]
        if (not errors) != case["valid"]:
            mismatches += 1
            why = errors[0].message if errors and hasattr(errors[0], "message") else errors
            print(f"MISMATCH {name} [{case['case']}]: expected valid={case['valid']}, schema says {why or 'valid'}")
print(f"{mismatches} mismatches")
sys.exit(1 if mismatches else 0)
