"""GeoReport v2 output: the same data as XML (mandatory in the standard) or JSON, and the
standard error list."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Sequence
from typing import Any
from xml.etree import ElementTree as ET

from django.http import HttpResponse
from django.utils import timezone

FORMATS = ("xml", "json")
CONTENT_TYPES = {"xml": "text/xml; charset=utf-8", "json": "application/json; charset=utf-8"}

Node = dict[str, Any]


def w3c(moment: dt.datetime | None) -> str | None:
    """A W3C datetime with the offset of the site's time zone, e.g. 2026-03-01T09:30:00+08:00."""
    if moment is None:
        return None
    return timezone.localtime(moment).replace(microsecond=0).isoformat()


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return "" if value is None else str(value)


def _append(parent: ET.Element, name: str, value: Any, item_names: dict[str, str]) -> None:
    if isinstance(value, dict):
        child = ET.SubElement(parent, name)
        for key, sub in value.items():
            _append(child, key, sub, item_names)
    elif isinstance(value, (list, tuple)):
        if name in item_names:  # a wrapper element with repeated items: <values><value/>...</values>
            wrapper = ET.SubElement(parent, name)
            for item in value:
                _append(wrapper, item_names[name], item, item_names)
        else:  # repeated elements of the same name: <format/><format/>
            for item in value:
                _append(parent, name, item, item_names)
    else:
        ET.SubElement(parent, name).text = _text(value)


def to_xml(root: str, item: str | None, data: Node | Sequence[Node], item_names: dict[str, str] | None = None) -> bytes:
    """``data`` is a list of ``item`` elements under ``root``, or (``item`` None) the
    children of ``root`` itself."""
    names = item_names or {}
    element = ET.Element(root)
    if item is None:
        for key, value in dict(data).items():  # type: ignore[arg-type]
            _append(element, key, value, names)
    else:
        for node in data:  # type: ignore[union-attr]
            _append(element, item, node, names)
    return b'<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(element, encoding="utf-8", xml_declaration=False)


def respond(fmt: str, root: str, item: str | None, data: Node | Sequence[Node], *, status: int = 200, item_names: dict[str, str] | None = None) -> HttpResponse:
    body = json.dumps(data, ensure_ascii=False).encode("utf-8") if fmt == "json" else to_xml(root, item, data, item_names)
    response = HttpResponse(body, status=status, content_type=CONTENT_TYPES[fmt])
    response["Access-Control-Allow-Origin"] = "*"
    return response


def error(fmt: str, status: int, description: str) -> HttpResponse:
    """The standard error: <errors><error><code/><description/></error></errors>, or in JSON
    [{"code": ..., "description": ...}]."""
    fmt = fmt if fmt in FORMATS else "xml"
    return respond(fmt, "errors", "error", [{"code": status, "description": description}], status=status)
