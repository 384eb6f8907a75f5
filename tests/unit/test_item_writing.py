"""The item-writing check as the import report uses it: questions named by where they are in the file."""
from quizapp.domain import item_writing
from quizapp.domain.questions import QuestionDraft


def _q(location: str, text: str, options: list[str], correct: int, external_id: str = "") -> QuestionDraft:
    return QuestionDraft(text, options, correct, location=location, external_id=external_id)


def test_signs_and_pairs_are_named_by_location_with_the_id():
    questions = [
        _q("dòng 1", "Bộ phận Một cửa làm gì?", ["Thu phí", "Tiếp nhận hồ sơ và trả kết quả", "Ký"], 1, "TTHC-01"),
        _q("dòng 6", "Nghị định 61/2018/NĐ-CP về cơ chế một cửa được ban hành vào ngày nào?",
           ["23/4/2018", "1/7/2018", "15/7/2021", "27/3/2021"], 0),
        _q("dòng 11", "Nghị định số 61/2018/NĐ-CP về cơ chế một cửa ban hành vào ngày nào?",
           ["23/4/2018", "1/7/2018", "15/7/2021", "27/3/2021"], 0),
    ]
    report = item_writing.check(questions, ref=item_writing.where_in_file)
    assert ("dòng 1 (TTHC-01)", "longest_key") in [(s.ref, s.sign) for s in report.signs]
    assert {s.ref for s in report.signs if s.sign == "document_trivia"} == {"dòng 6", "dòng 11"}
    assert report.has_advice and all(s.advice for s in report.signs)
    (pair,) = report.same_fact_lines
    assert pair.startswith("dòng 6 và dòng 11 kiểm tra cùng một nội dung") and "bỏ bớt hoặc sửa một câu" in pair
    longest, trivia = report.share_lines
    assert longest.startswith("Đáp án đúng dài nhất một cách rõ rệt: 1/1 câu có một phương án dài nhất (100%")
    assert trivia == ("Hỏi số hiệu hoặc ngày tháng của văn bản: 2/3 câu (67%; nên không quá 5%) — vượt mức nên có.")


def test_a_set_without_signs_has_no_advice():
    questions = [_q("hàng 2", "Cơ quan nào tiếp nhận hồ sơ thủ tục?", ["Văn thư", "Kế toán", "Một cửa", "Bảo vệ"], 2)]
    report = item_writing.check(questions, ref=item_writing.where_in_file)
    assert not report.has_advice and report.share_lines[0].startswith("Đáp án đúng dài nhất một cách rõ rệt: 0/0")


def test_pairs_are_not_searched_in_a_set_over_the_limit_and_the_report_says_so():
    twins = [_q(f"dòng {n}", "Bộ phận Một cửa của xã tiếp nhận những hồ sơ nào?", ["Mọi hồ sơ", "Không", "Một", "Hai"], 0)
             for n in (1, 2)]
    assert item_writing.check(twins, pairs_limit=2).same_facts
    report = item_writing.check(twins * 600, pairs_limit=1000)
    assert not report.pairs_checked and not report.same_facts
    assert report.same_fact_lines == ["Tệp có 1.200 câu, quá nhiều để dò các cặp câu kiểm tra cùng một nội dung; hãy "
                                      "chia tệp nhỏ hơn nếu cần dò."]
