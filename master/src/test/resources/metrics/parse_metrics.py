#!/usr/bin/python3
# Parses Prometheus text exposition from stdin with the official Python client's parser (Debian's
# python3-prometheus-client) and prints the families as JSON: [{name, type, samples: [{name, labels, value}]}].
# Exits 1 with the parser's error when the text does not parse.
import json
import sys

from prometheus_client.parser import text_string_to_metric_families

try:
    families = [
        {"name": f.name, "type": f.type, "help": f.documentation,
         "samples": [{"name": s.name, "labels": s.labels, "value": s.value} for s in f.samples]}
        for f in text_string_to_metric_families(sys.stdin.read())
    ]
except Exception as e:  # the parser raises ValueError and others on bad input
    print("parse error: %s" % e, file=sys.stderr)
    sys.exit(1)
json.dump(families, sys.stdout)
