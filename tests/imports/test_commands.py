"""``dn import`` and ``dn sample-data`` as the Département's IT runs them."""

import csv
import subprocess
import sys

import pytest

from core.cli import COMMANDS, build_parser, main
from core.register.models import Person
from tests.imports.conftest import SAMPLES


@pytest.fixture
def dn(demo_ini, capsys, monkeypatch, tmp_path):
    """Run ``dn`` in-process against the test database; return (status, stdout, stderr)."""
    monkeypatch.chdir(tmp_path)

    def dn(*args):
        status = main([str(arg) for arg in args])
        captured = capsys.readouterr()
        return status, captured.out, captured.err

    return dn


def test_import_demo_prints_summary(dn, demo_ini, register):
    status, out, err = dn("import", demo_ini, "csv_generic", SAMPLES["csv_generic"] / "demo.csv")

    assert status == 0, err
    assert "réussi" in out
    assert "personnes" in out
    assert "aides" in out
    assert "lignes rejetées  : 0" in out
    assert "durée" in out
    assert register.count(Person) > 0
    assert register.record(register.active_import_id()).started_by


def test_import_dry_run_changes_nothing(dn, demo_ini, register):
    status, out, err = dn("import", "--dry-run", demo_ini, "csv_generic", SAMPLES["csv_generic"] / "demo.csv")

    assert status == 0, err
    assert "Essai à blanc" in out
    assert register.active_import_id() is None
    assert register.count(Person) == 0


def test_import_refused_exit_3_one_line(dn, demo_ini, register):
    dn("import", demo_ini, "csv_generic", SAMPLES["csv_generic"] / "demo.csv")
    before = register.snapshot()

    status, out, err = dn("import", demo_ini, "csv_generic", SAMPLES["csv_generic"] / "bad_empty.csv")

    assert status == 3
    refusal = [line for line in err.splitlines() if "refusé" in line]
    assert len(refusal) == 1
    assert "vide" in refusal[0]
    assert "--force n'y peut rien" in refusal[0]
    assert register.snapshot() == before


def test_import_bad_lines_report_then_force(dn, demo_ini, register, tmp_path):
    report = tmp_path / "rejets.csv"

    status, out, err = dn("import", "--report", report, demo_ini, "csv_generic", SAMPLES["csv_generic"] / "bad_lines.csv")

    assert status == 3
    assert "--force" in err
    assert str(report) in err
    with report.open(encoding="utf-8-sig", newline="") as stream:
        rows = list(csv.reader(stream, delimiter=";"))
    assert rows[0] == ["fichier", "ligne", "motif"]
    assert all(row[0] == "bad_lines.csv" for row in rows[1:])
    assert all(row[1].isdigit() and row[2] for row in rows[1:])

    status, out, err = dn("import", "--force", "--report", report, demo_ini, "csv_generic", SAMPLES["csv_generic"] / "bad_lines.csv")

    assert status == 0, err
    assert "importé malgré (--force)" in out
    assert register.active_import_id() is not None


def test_default_report_in_current_directory(dn, demo_ini, tmp_path):
    status, out, err = dn("import", demo_ini, "csv_generic", SAMPLES["csv_generic"] / "bad_lines.csv")

    assert status == 3
    [report] = tmp_path.glob("import-*-lignes-rejetees.csv")
    assert str(report) in err


def test_import_unknown_connector(dn, demo_ini):
    status, out, err = dn("import", demo_ini, "nothing_like_this", SAMPLES["csv_generic"] / "demo.csv")

    assert status == 2
    assert "connecteur inconnu « nothing_like_this »" in err
    assert "csv_generic" in err


def test_import_missing_file(dn, demo_ini, tmp_path):
    status, out, err = dn("import", demo_ini, "csv_generic", tmp_path / "absent.csv")

    assert status == 2
    assert "fichier d'extraction introuvable" in err


def test_import_missing_config(dn, tmp_path):
    status, out, err = dn("import", tmp_path / "absent.ini", "csv_generic", SAMPLES["csv_generic"] / "demo.csv")

    assert status == 2
    assert "fichier de configuration introuvable" in err


def test_help_describes_every_option():
    parser = build_parser()
    subparsers = next(action for action in parser._actions if action.dest == "command")
    for name in ("import", "sample-data"):
        help_text = subparsers.choices[name].format_help()
        for action in subparsers.choices[name]._actions:
            assert action.help, f"dn {name}: {action.dest} has no help"
        assert help_text
    import_help = subparsers.choices["import"].format_help()
    for option in ("--dry-run", "--force", "--report"):
        assert option in import_help
    assert "max_rejected_ratio" in import_help
    assert "max_shrink_ratio" in import_help


def test_sample_data_rows(dn, demo_ini, tmp_path):
    output = tmp_path / "sample.csv"

    status, out, err = dn("sample-data", demo_ini, output, "--rows", 500, "--seed", 3)

    assert status == 0, err
    assert "500 lignes" in out
    assert len(output.read_text(encoding="utf-8").splitlines()) == 501


def test_sample_data_people(dn, demo_ini, tmp_path):
    output = tmp_path / "sample.csv"

    status, out, err = dn("sample-data", demo_ini, output, "--people", 40)

    assert status == 0, err
    assert "40 personnes" in out


def test_sample_data_then_import(dn, demo_ini, tmp_path, register):
    output = tmp_path / "sample.csv"
    dn("sample-data", demo_ini, output, "--people", 300)

    status, out, err = dn("import", demo_ini, "csv_generic", output)

    assert status == 0, err
    assert register.count(Person, register.active_import_id()) == 300


def test_sample_data_bad_output_folder(dn, demo_ini, tmp_path):
    status, out, err = dn("sample-data", demo_ini, tmp_path / "absent" / "x.csv")

    assert status == 2
    assert "dossier introuvable" in err


def test_report_dir_setting(dn, demo_ini, tmp_path):
    reports = tmp_path / "rapports"
    source = demo_ini.read_text(encoding="utf-8")
    demo_ini.write_text(source.replace("[app:main]\n", f"[app:main]\nimports.report_dir = {reports}\n"), encoding="utf-8")

    status, out, err = dn("import", demo_ini, "csv_generic", SAMPLES["csv_generic"] / "bad_lines.csv")

    assert status == 3
    [report] = reports.glob("import-*-lignes-rejetees.csv")
    assert str(report) in err


@pytest.mark.parametrize("connector, files", [
    ("iodas", ["extraction_iodas.csv"]),
    ("solis", ["personnes.csv", "aides.csv"]),
])
def test_import_other_connector_with_defaults(dn, demo_ini, register, connector, files):
    # demo.toml configures csv_generic: another connector runs with its default options.
    status, out, err = dn("import", demo_ini, connector, *(SAMPLES[connector] / name for name in files))

    assert status == 0, err
    assert register.count(Person, register.active_import_id()) > 0
    assert register.record(register.active_import_id()).connector == connector


def test_connectors_table_options(dn, demo_ini, tmp_path, register):
    # Options of a connector other than the configured one come from [connectors.NAME].
    toml = tmp_path / "departement.toml"
    source = (SAMPLES["csv_generic"].parents[2] / "config" / "departements" / "demo.toml").read_text(encoding="utf-8")
    toml.write_text(source + '\n[connectors.iodas]\nencoding = "utf-8"\n', encoding="utf-8")
    ini = demo_ini.read_text(encoding="utf-8")
    demo_ini.write_text(ini.replace(str(SAMPLES["csv_generic"].parents[2] / "config" / "departements" / "demo.toml"), str(toml)), encoding="utf-8")

    status, out, err = dn("import", demo_ini, "iodas", SAMPLES["iodas"] / "bad_utf8.csv")

    assert status == 0, err
    assert register.count(Person, register.active_import_id()) == 12


def test_command_table_matches_modules():
    parser = build_parser()
    subparsers = next(action for action in parser._actions if action.dest == "command")
    assert set(COMMANDS) == set(subparsers.choices)
    for name, module_name in COMMANDS.items():
        alone = build_parser((module_name,))
        own = next(action for action in alone._actions if action.dest == "command")
        assert name in own.choices, f"dn {name} is not registered by {module_name}"


def test_command_loads_its_module_alone():
    script = (
        "import sys\n"
        "from core.cli import main\n"
        "try:\n"
        "    main(['import', '--help'])\n"
        "except SystemExit:\n"
        "    pass\n"
        "print(sorted(name for name in ('core.demo', 'core.web', 'weasyprint') if name in sys.modules))\n"
    )
    output = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True).stdout
    assert "dry-run" in output
    assert output.strip().splitlines()[-1] == "[]"
