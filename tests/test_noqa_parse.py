"""``# noqa`` comments are read with the tokenizer, which stops after the last line holding the word."""

from pinlint.output.noqa import ALL, parse_noqa


def test_comments_are_found_and_strings_are_not():
    source = (
        "import psycopg  # noqa: PIN101\n"
        "x = '# noqa: PIN102'\n"
        "y = (1,  # NOQA\n"
        "     2)\n"
        "z = '''\n# noqa: PIN103\n'''\n"
        "w = 1\n"
    )
    noqa = parse_noqa(source)
    assert noqa.rows == {1: frozenset({"PIN101"}), 3: ALL}


def test_a_file_without_the_word_has_no_directives():
    assert parse_noqa("x = 1  # a comment\n" * 50).rows == {}


def test_the_last_directive_is_found_before_an_unclosed_string():
    source = "a = 1\nb = 2  # noqa: PIN101\nc = '''\nnever closed\n"
    assert parse_noqa(source).rows == {2: frozenset({"PIN101"})}


def test_file_level_directive():
    assert parse_noqa("x = 1\n# pinlint: noqa\n").file_level
