"""`flask bank import|export|check|template`: the question bank from the command line."""
from pathlib import Path

import click
from flask.cli import with_appcontext

from quizapp.domain import formats
from quizapp.domain.errors import DomainError
from quizapp.services import bank as bank_service


@click.group()
def bank():
    """Question bank."""


def _print_report(report: bank_service.ImportReport) -> None:
    for issue in report.invalid:
        click.echo(f"  LỖI {report.filename}, {issue}")
    for issue in report.skipped_types:
        click.echo(f"  BỎ QUA {report.filename}, {issue}")
    for dup in report.duplicates:
        kind = "trùng hoàn toàn" if dup.exact else f"gần trùng ({dup.similarity}%)"
        click.echo(f"  TRÙNG {report.filename}, {dup.location or '?'}: {kind} với {dup.other}")
    if report.dry_run:
        for draft in report.to_add:
            click.echo(f"  SẼ THÊM {draft.location or draft.external_id}: {draft.text[:90]}")
    _print_advice(report)
    click.echo(report.summary)
    if report.blocked_by_topics:
        click.echo("Dùng --create-topics để tạo các chủ đề mới này.")


def _print_advice(report: bank_service.ImportReport) -> None:
    """The item-writing advice: printed, never a reason to refuse the file."""
    items = report.items
    if items is None or not items.has_advice:
        return
    click.echo("Gợi ý viết câu hỏi (lời khuyên, không phải lỗi; tệp vẫn nhập được):")
    for line in items.share_lines:
        click.echo(f"  GỢI Ý cả tệp: {line}")
    for sign in items.signs:
        click.echo(f"  GỢI Ý {sign.ref or '?'}: {sign.message}; {sign.advice}.")
    for line in items.same_fact_lines:
        click.echo(f"  GỢI Ý {line}")


@bank.command("import")
@click.argument("path", type=click.Path(exists=True, path_type=Path))
@click.option("--format", "fmt", type=click.Choice(formats.FORMATS), help="Định dạng (mặc định: đoán theo tên tệp).")
@click.option("--dry-run", is_flag=True, help="Chỉ kiểm tra và báo cáo, không ghi gì.")
@click.option("--skip-invalid", is_flag=True, help="Bỏ qua các câu lỗi, nhập các câu hợp lệ.")
@click.option("--allow-duplicates", is_flag=True, help="Nhập cả các câu trùng.")
@click.option("--topic", help="Gán mọi câu vào chủ đề này (mã hoặc tên).")
@click.option("--create-topics", is_flag=True, help="Tạo các chủ đề mà tệp nêu nhưng chưa có.")
@with_appcontext
def import_(path: Path, fmt, dry_run, skip_invalid, allow_duplicates, topic, create_topics):
    """Import PATH (a file, or the bundled bank's folder)."""
    if path.is_dir():
        if dry_run:
            raise click.ClickException("--dry-run với thư mục: hãy dùng `flask bank check`.")
        try:
            click.echo(bank_service.load_bundled(path).summary)
        except DomainError as e:
            raise click.ClickException(e.message) from None
        return
    else:
        report = bank_service.import_file(path.read_bytes(), path.name, fmt=fmt, dry_run=dry_run,
                                          skip_invalid=skip_invalid, allow_duplicates=allow_duplicates,
                                          topic_override=topic, create_topics=create_topics)
    _print_report(report)
    if report.blocked:
        raise SystemExit(1)


_EXPORT_EXTENSIONS = {".xlsx": "xlsx", ".csv": "csv", ".gift": "gift", ".txt": "aiken", ".xml": "moodle_xml"}


@bank.command("export")
@click.argument("path", type=click.Path(path_type=Path))
@click.option("--format", "fmt", type=click.Choice(formats.EXPORT_FORMATS), help="Mặc định: theo đuôi tệp.")
@click.option("--all", "include_retired", is_flag=True, help="Gồm cả câu đã ngừng dùng.")
@with_appcontext
def export(path: Path, fmt, include_retired):
    """Export the bank to PATH."""
    fmt = fmt or _EXPORT_EXTENSIONS.get(path.suffix.lower())
    if fmt is None:
        raise click.ClickException("Không đoán được định dạng từ đuôi tệp (.xlsx, .csv, .txt, .gift, .xml); "
                                   "hãy dùng --format.")
    try:
        data = bank_service.export_bank(fmt, status=None if include_retired else "active")
    except DomainError as e:
        raise click.ClickException(e.message) from None
    path.write_bytes(data)
    click.echo(f"Đã xuất ra {path} ({fmt}, {len(data)} byte).")


@bank.command("check")
@click.argument("directory", required=False, type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--only", "only", multiple=True, help="Chỉ in lỗi của các tệp/bộ câu hỏi có chứa chuỗi này.")
@click.option("--signs", is_flag=True, help="In cả các dấu hiệu viết câu hỏi chưa tốt của từng câu.")
@with_appcontext
def check(directory, only, signs):
    """Validate the bundled bank (structure, sources, currency, item writing); list active questions of the
    database that rest on a superseded document. Exits non-zero on any problem."""
    result = bank_service.read_bundle(directory)
    for slug in result.collections:
        drafts = result.in_collection(slug)
        items = result.items.get(slug)
        click.echo(f"[{slug}] {len(drafts)} câu, thực tiễn {result.practical(slug)}"
                   + (f"; đáp án đúng dài nhất {items.share('longest_key'):.0%}, hỏi số hiệu/ngày "
                      f"{items.share('document_trivia'):.0%}" if items and drafts else ""))
    for slug, counts in sorted(result.per_topic.items()):
        click.echo(f"  {slug:24} {sum(counts.values()):4} câu  (dễ {counts[1]}, trung bình {counts[2]}, khó {counts[3]})")
    click.echo(f"Tổng: {result.total} câu hỏi, {len(result.per_topic)} chủ đề, {len(result.collections)} bộ câu hỏi.")
    problems = [p for p in result.problems if not only or any(o in p for o in only)]
    for use in _database_uses():
        problems += [f"câu hỏi #{q.id} ({q.external_id or q.topic.title}) đang dùng dựa trên «{use.document.code}», "
                     f"văn bản đã được thay thế bởi {use.document.replaced_by or '?'}" for q in use.questions]
    for problem in problems:
        click.echo(f"  LỖI {problem}", err=True)
    if signs or only:
        for report in result.items.values():
            for s in report.signs:
                if (not only or any(o in s.ref for o in only)) and s.sign not in ("same_options", "odd_length"):
                    click.echo(f"  DẤU HIỆU {s.ref}: {s.message}")
    if problems:
        raise SystemExit(1)
    click.echo("Ngân hàng câu hỏi hợp lệ.")


def _database_uses():
    """Superseded documents active questions of the database rest on (nothing when there is no database yet)."""
    from sqlalchemy.exc import SQLAlchemyError

    from quizapp.extensions import db

    try:
        return bank_service.superseded_in_use()
    except SQLAlchemyError:
        db.session.rollback()
        return []


@bank.command("supersede")
@click.argument("code")
@click.option("--by", "replaced_by", required=True, help="Mã văn bản thay thế (nhiều mã cách nhau bằng dấu phẩy).")
@click.option("--note", default="")
@with_appcontext
def supersede(code, replaced_by, note):
    """Mark document CODE superseded; `flask bank check` then lists the active questions resting on it."""
    try:
        bank_service.mark_superseded(code, [c.strip() for c in replaced_by.split(",") if c.strip()], note)
    except DomainError as e:
        raise click.ClickException(e.message) from None
    uses = [u for u in bank_service.superseded_in_use() if u.document.code == code]
    count = sum(len(u.questions) for u in uses)
    click.echo(f"Đã đánh dấu «{code}» đã được thay thế. {count} câu hỏi đang dùng dựa trên văn bản này"
               + (": hãy sửa hoặc ngừng dùng chúng." if count else "."))
    for u in uses:
        for q in u.questions:
            click.echo(f"  #{q.id} {q.external_id}: {q.text[:90]}")


@bank.command("template")
@click.argument("path", type=click.Path(path_type=Path))
def template(path: Path):
    """Write the xlsx template for organisers."""
    path.write_bytes(bank_service.template_xlsx())
    click.echo(f"Đã ghi mẫu nhập câu hỏi: {path}")


def _slugs(value: str | None) -> list[str]:
    return [s.strip() for s in (value or "").split(",") if s.strip()]


@bank.command("handbook")
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--topics", help="Các chủ đề (mã, cách nhau bằng dấu phẩy).")
@click.option("--collections", help="Các bộ câu hỏi (mã, cách nhau bằng dấu phẩy). Mặc định: bộ câu hỏi chung toàn quốc.")
@click.option("--title", default="", help="Tên sổ tay trên bìa.")
@click.option("--body", "publisher", default="", help="Cơ quan biên soạn, in trên bìa (mặc định: Ngân hàng câu hỏi cuộc thi).")
@with_appcontext
def handbook(path: Path, topics, collections, title, publisher):
    """Write the printed Q&A handbook to PATH (.pdf or .docx): active questions of the chosen topics/collections,
    with answers, explanations, sources, a table of contents and an index of the documents cited."""
    from datetime import UTC, datetime

    from quizapp.services import handbook as handbook_service

    fmt = path.suffix.lower().lstrip(".")
    if fmt not in handbook_service.FORMATS:
        raise click.ClickException("Tên tệp phải kết thúc bằng .pdf hoặc .docx.")
    try:
        book = handbook_service.make(fmt, collections=_slugs(collections), topics=_slugs(topics), title=title,
                                     publisher=publisher, now=datetime.now(UTC))
    except DomainError as e:
        raise click.ClickException(e.message) from None
    path.write_bytes(book.data)
    size = f"{len(book.data):,}".replace(",", ".")
    click.echo(f"Đã ghi sổ tay Hỏi – Đáp: {path} ({book.count} câu hỏi, {size} byte).")
