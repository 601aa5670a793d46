"""The overview as files: a CSV of the matrix and an Excel workbook (openpyxl) with the matrix and
the indicator totals, headed in Vietnamese, amounts with the thousands separator."""

from __future__ import annotations

import csv
import io
from typing import Any

STATUS_VI = {
    "not_started": "Chưa thực hiện",
    "draft": "Đang soạn thảo",
    "returned": "Bị trả lại",
    "rejected": "Bị từ chối",
    "submitted": "Đã trình",
    "approved": "Đã ban hành",
    "received": "Bộ đã nhận",
}
MATRIX_HEADERS = (
    "Tỉnh, thành phố",
    "Mã",
    "Kế hoạch: trạng thái",
    "Kế hoạch: số, ký hiệu",
    "Kế hoạch: ngày ban hành",
    "Kế hoạch: hạn",
    "Kế hoạch: trễ (ngày làm việc)",
    "Báo cáo: trạng thái",
    "Báo cáo: số, ký hiệu",
    "Báo cáo: ngày ban hành",
    "Báo cáo: hạn",
    "Báo cáo: trễ (ngày làm việc)",
    "Kinh phí kế hoạch (đồng)",
    "Kinh phí thực hiện (đồng)",
    "Tỷ lệ hoàn thành (%)",
)
INDICATOR_HEADERS = ("Mã chỉ tiêu", "Chỉ tiêu", "Đơn vị tính", "Kế hoạch", "Thực hiện", "Tỷ lệ (%)", "Số tỉnh báo cáo")
THOUSANDS = "#,##0"  # shown with the reader's separator: "150.000.000" in a Vietnamese Excel
PERCENT = "0.0"


def _day(value: Any) -> str:
    if not value:
        return ""
    text = str(value)
    return f"{text[8:10]}/{text[5:7]}/{text[0:4]}"


def _status(cell: dict[str, Any]) -> str:
    status = STATUS_VI.get(cell["status"], cell["status"])
    if cell["status"] == "submitted" and cell.get("level"):
        status += f" (cấp {cell['level']})"
    return status


def matrix_rows(data: dict[str, Any]) -> list[list[Any]]:
    rows = []
    for row in data["provinces"]:
        plan, report = row["plan"], row["report"]
        rows.append(
            [
                row["province"]["name"],
                row["province"]["id"],
                _status(plan),
                plan.get("document_number") or "",
                _day(plan.get("issued_on")),
                _day(plan.get("due")),
                plan["working_days_late"] if plan["late"] else 0,
                _status(report),
                report.get("document_number") or "",
                _day(report.get("issued_on")),
                _day(report.get("due")),
                report["working_days_late"] if report["late"] else 0,
                row["budget_planned_vnd"],
                row["budget_spent_vnd"],
                row["completion"] if row["completion"] is not None else "",
            ]
        )
    return rows


def indicator_rows(data: dict[str, Any]) -> list[list[Any]]:
    rows: list[list[Any]] = [
        [
            item["code"],
            item["name"],
            item["unit"],
            item["target"],
            item["actual"],
            item["completion"] if item["completion"] is not None else "",
            item["provinces_reporting"],
        ]
        for item in data["indicators"]
    ]
    for item in data["uncoded_indicators"]:
        rows.append(
            [
                "",
                f"{item['name']} ({item['province']}, không mã: không cộng dồn)",
                item["unit"],
                item.get("target", ""),
                item.get("actual", ""),
                "",
                "",
            ]
        )
    return rows


def overview_csv(data: dict[str, Any]) -> bytes:
    """The matrix, one row per province, as UTF-8 CSV with a BOM (so Excel reads the Vietnamese)."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(MATRIX_HEADERS)
    writer.writerows(matrix_rows(data))
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def overview_workbook(data: dict[str, Any]) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Font, PatternFill

    workbook = Workbook()
    matrix = workbook.active
    matrix.title = f"Tình hình {data['year']}"
    matrix.append(MATRIX_HEADERS)
    late_fill = PatternFill("solid", fgColor="F8D7DA")
    for index, values in enumerate(matrix_rows(data), start=2):
        matrix.append(values)
        for column in (13, 14):
            matrix.cell(index, column).number_format = THOUSANDS
        matrix.cell(index, 15).number_format = PERCENT
        for column in (7, 12):  # a late document's lateness is marked
            if values[column - 1]:
                matrix.cell(index, column).fill = late_fill
    indicators = workbook.create_sheet("Chỉ tiêu")
    indicators.append(INDICATOR_HEADERS)
    for index, values in enumerate(indicator_rows(data), start=2):
        indicators.append(values)
        for column in (4, 5):
            indicators.cell(index, column).number_format = THOUSANDS
        indicators.cell(index, 6).number_format = PERCENT
    for sheet in (matrix, indicators):
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        sheet.freeze_panes = "A2"
        for column in sheet.columns:
            width = max(len(str(cell.value or "")) for cell in column)
            sheet.column_dimensions[column[0].column_letter].width = min(max(width + 2, 10), 60)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()
