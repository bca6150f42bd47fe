"""--show-settings, --show-files and --config with a pyproject-shaped file (issue 18), end to end."""

from pathlib import Path


def test_show_settings_names_where_each_value_came_from(check, tmp_path):
    (tmp_path / "pyproject.toml").write_text(
        '[tool.pinlint]\ntarget = "pgbouncer"\nignore = ["PIN310"]\n'
        '[tool.pinlint.pgbouncer]\npool-mode = "statement"\n')
    res = check("--show-settings", "--select", "PIN1")
    assert res.returncode == 0, res.stderr
    lines = res.stdout.splitlines()
    cfg = str(tmp_path / "pyproject.toml")
    assert f'target = "pgbouncer"  # {cfg}' in lines
    assert 'select = ["PIN1"]  # command line' in lines
    assert f'ignore = ["PIN310"]  # {cfg}' in lines
    assert "output-format = \"concise\"  # default" in lines
    assert f"[tool.pinlint.pgbouncer]  # {cfg}" in lines
    assert '  pool-mode = "statement"' in lines
    assert any(x.startswith("# rules enabled: ") and "PIN101" in x and "PIN310" not in x for x in lines)


def test_show_files_lists_what_would_be_checked(check, tmp_path):
    (tmp_path / "a.py").write_text("x = 1\n")
    (tmp_path / "q.sql").write_text("SELECT 1;\n")
    (tmp_path / "skip").mkdir()
    (tmp_path / "skip" / "b.py").write_text("y = 2\n")
    (tmp_path / "notes.txt").write_text("no\n")
    res = check("--show-files", "--extend-exclude", "skip", ".")
    assert res.returncode == 0, res.stderr
    assert sorted(Path(x).name for x in res.stdout.split()) == ["a.py", "q.sql"]


def test_config_accepts_a_pyproject_shaped_file_of_any_name(check, tmp_path):
    (tmp_path / "a.py").write_text('import psycopg\n\ndef f(conn):\n    conn.execute("SELECT nextval(\'s\')")\n')
    (tmp_path / "ci.toml").write_text('[tool.pinlint]\ntarget = "pgbouncer"\n')
    (tmp_path / "bare.toml").write_text('target = "rds-proxy"\n')
    shaped = check("--config", "ci.toml", "--show-settings")
    assert 'target = "pgbouncer"  # ci.toml' in shaped.stdout.splitlines()
    bare = check("--config", "bare.toml", "--show-settings")
    assert 'target = "rds-proxy"  # bare.toml' in bare.stdout.splitlines()
    (tmp_path / "other.toml").write_text("[tool.black]\nline-length = 100\n")
    bad = check("--config", "other.toml", ".")
    assert bad.returncode == 2
    assert "other.toml: tool.pinlint: no [tool.pinlint] table" in bad.stderr
