"""`flask bank import|export|check|template`: the question bank from the command line."""
from pathlib import Path

import click
from flask.cli import with_appcontext

from quizapp.domain import formats
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
    click.echo(report.summary)


@bank.command("import")
@click.argument("path", type=click.Path(exists=True, path_type=Path))
@click.option("--format", "fmt", type=click.Choice(formats.FORMATS), help="Định dạng (mặc định: đoán theo tên tệp).")
@click.option("--dry-run", is_flag=True, help="Chỉ kiểm tra và báo cáo, không ghi gì.")
@click.option("--skip-invalid", is_flag=True, help="Bỏ qua các câu lỗi, nhập các câu hợp lệ.")
@click.option("--allow-duplicates", is_flag=True, help="Nhập cả các câu trùng.")
@click.option("--topic", help="Gán mọi câu vào chủ đề này (mã hoặc tên).")
@with_appcontext
def import_(path: Path, fmt, dry_run, skip_invalid, allow_duplicates, topic):
    """Import PATH (a file, or the bundled bank's folder)."""
    if path.is_dir():
        report = bank_service.load_bundled(path) if not dry_run else None
        if report is None:
            raise click.ClickException("--dry-run với thư mục: hãy dùng `flask bank check`.")
    else:
        report = bank_service.import_file(path.read_bytes(), path.name, fmt=fmt, dry_run=dry_run,
                                          skip_invalid=skip_invalid, allow_duplicates=allow_duplicates,
                                          topic_override=topic)
    _print_report(report)
    if report.blocked:
        raise SystemExit(1)


@bank.command("export")
@click.argument("path", type=click.Path(path_type=Path))
@click.option("--format", "fmt", type=click.Choice(formats.EXPORT_FORMATS), help="Mặc định: theo đuôi tệp.")
@click.option("--all", "include_retired", is_flag=True, help="Gồm cả câu đã ngừng dùng.")
@with_appcontext
def export(path: Path, fmt, include_retired):
    """Export the bank to PATH."""
    fmt = fmt or {".xlsx": "xlsx", ".csv": "csv", ".gift": "gift"}.get(path.suffix.lower(), "aiken" if path.suffix == ".txt" else None)
    if fmt is None:
        raise click.ClickException("Không đoán được định dạng; hãy dùng --format.")
    data = bank_service.export_bank(fmt, status=None if include_retired else "active")
    path.write_bytes(data)
    click.echo(f"Đã xuất ra {path} ({fmt}, {len(data)} byte).")


@bank.command("check")
@click.argument("directory", required=False, type=click.Path(exists=True, file_okay=False, path_type=Path))
def check(directory):
    """Validate the bundled bank; exits non-zero on any problem."""
    result = bank_service.check_bundled(directory or bank_service.BUNDLED_DIR)
    for slug, counts in sorted(result.per_topic.items()):
        click.echo(f"{slug:22} {sum(counts.values()):4} câu  (dễ {counts[1]}, trung bình {counts[2]}, khó {counts[3]})")
    click.echo(f"Tổng: {result.total} câu hỏi, {len(result.per_topic)} chủ đề.")
    for problem in result.problems:
        click.echo(f"  LỖI {problem}", err=True)
    if result.problems:
        raise SystemExit(1)
    click.echo("Ngân hàng câu hỏi hợp lệ.")


@bank.command("check-bundle")
@click.argument("directory", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--only", "only", multiple=True, help="Chỉ in lỗi của các tệp/bộ câu hỏi có chứa chuỗi này.")
def check_bundle(directory: Path, only):
    """Validate a bundle in the collections/documents/core/local layout; exits non-zero on any problem."""
    result = bank_service.read_bundle(directory)
    for slug, collection in result.collections.items():
        drafts = result.in_collection(slug)
        items = result.items.get(slug)
        click.echo(f"[{slug}] {len(drafts)} câu, thực tiễn {result.practical(slug)}"
                   + (f"; đáp án dài nhất {items.share('longest_key'):.0%}, hỏi số hiệu/ngày "
                      f"{items.share('document_trivia'):.0%}" if items and drafts else ""))
    for slug, counts in sorted(result.per_topic.items()):
        click.echo(f"  {slug:24} {sum(counts.values()):4} câu  (dễ {counts[1]}, trung bình {counts[2]}, khó {counts[3]})")
    problems = [p for p in result.problems if not only or any(o in p for o in only)]
    for problem in problems:
        click.echo(f"  LỖI {problem}", err=True)
    if only and result.drafts:
        for sign in result.items.values():
            for s in sign.signs:
                if any(o in s.ref for o in only) and s.sign not in ("same_options", "odd_length"):
                    click.echo(f"  DẤU HIỆU {s.ref}: {s.message}")
    if problems:
        raise SystemExit(1)
    click.echo("Hợp lệ.")


@bank.command("template")
@click.argument("path", type=click.Path(path_type=Path))
def template(path: Path):
    """Write the xlsx template for organisers."""
    path.write_bytes(bank_service.template_xlsx())
    click.echo(f"Đã ghi mẫu nhập câu hỏi: {path}")
