"""The printable case sheet (A4 page and Word document): complete, masked as the page is,
and only for users who may see the case."""

from __future__ import annotations

import io
from typing import Any

import pytest
from docx import Document

from accounts.testing import District
from cases.models import State
from cases.tests.helpers import register, walk

pytestmark = pytest.mark.django_db


def _docx_text(content: bytes) -> str:
    doc = Document(io.BytesIO(content))
    parts = [p.text for p in doc.paragraphs]
    for table in doc.tables:
        for row in table.rows:
            parts.extend(cell.text for cell in row.cells)
    return "\n".join(parts)


def test_it_prints_the_case_sheet_on_an_a4_page(d: District, client_for: Any) -> None:
    case = walk(d, register(d), State.REPLIED)
    response = client_for("officer").get(f"/cases/{case.number}/sheet/")
    html = response.content.decode()
    assert response.status_code == 200
    assert 'data-testid="case-sheet"' in html and "信访事项处理单" in html
    assert case.number in html and "小区楼下烧烤店油烟噪音扰民" in html
    assert "张小三" in html  # the handling unit sees the identity of an ordinary case
    assert "经调查，已责令烧烤店安装油烟净化设备" in html  # the reply
    # the print button, wired by the site script (no inline handler under the CSP)
    assert 'data-print data-testid="print"' in html and "js/minsheng.js" in html


def test_it_masks_the_printed_identity_as_the_page_does(d: District, client_for: Any) -> None:
    case = walk(d, register(d), State.HANDLING)
    html = client_for("leader").get(f"/cases/{case.number}/sheet/").content.decode()
    assert "张*三" in html and "张小三" not in html and "13812341234" not in html


def test_it_writes_the_case_sheet_as_a_word_document(d: District, client_for: Any) -> None:
    case = walk(d, register(d), State.CLOSED)
    response = client_for("officer").get(f"/cases/{case.number}/sheet.docx")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    assert f"{case.number}.docx" in response["Content-Disposition"]
    text = _docx_text(response.content)
    assert "信访事项处理单" in text
    assert case.number in text and "小区楼下烧烤店油烟噪音扰民" in text
    assert "张小三" in text and "13812341234" in text
    assert "餐饮油烟" in text  # the category path
    assert "经调查，已责令烧烤店安装油烟净化设备" in text
    assert "满意" in text  # the follow-up
    assert "已办结" in text  # the state


def test_it_masks_the_identity_in_the_word_document_for_roles_that_may_not_see_it(d: District, client_for: Any) -> None:
    case = walk(d, register(d), State.HANDLING)
    text = _docx_text(client_for("supervisor").get(f"/cases/{case.number}/sheet.docx").content)
    assert "张*三" in text and "张小三" not in text and "110101199003071234" not in text


def test_it_gives_the_sheet_only_to_users_who_may_see_the_case(d: District, client_for: Any) -> None:
    case = walk(d, register(d), State.HANDLING)
    for suffix in ("sheet/", "sheet.docx"):
        assert client_for("officer2").get(f"/cases/{case.number}/{suffix}").status_code == 404
        assert client_for("dept_officer").get(f"/cases/{case.number}/{suffix}").status_code == 404
