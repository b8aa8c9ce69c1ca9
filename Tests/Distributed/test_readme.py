"""README's "Several hosts, one PostgreSQL" block runs as written: its own PostgreSQL server,
three daemons on one database, a logout through one host refused by the others."""
import os
import pathlib
import re
import subprocess
import tempfile

ROOT = pathlib.Path(__file__).resolve().parents[2]


def test_the_readme_three_daemons_block_runs_as_written():
    readme = (ROOT / "README.md").read_text()
    block = re.search(r"<!-- three-daemons:begin -->\n```sh\n(.*?)```\n<!-- three-daemons:end -->", readme, re.S).group(1)
    workspace = tempfile.mkdtemp(prefix="wp-readme-")
    # The block expects ./.build and ./scripts, as in a checkout.
    os.symlink(ROOT / ".build", os.path.join(workspace, ".build"))
    os.symlink(ROOT / "scripts", os.path.join(workspace, "scripts"))
    result = subprocess.run(["bash", "-euo", "pipefail", "-c", block], cwd=workspace, capture_output=True, text=True,
                            timeout=180)
    out = result.stdout
    assert result.returncode == 0, result.stderr + out
    assert len(re.findall(r"^allowed:\s+yes$", out, re.M)) == 2, out
    assert out.count("exit code 77") == 2, out
    assert re.search(r"^storage: ok$", out, re.M), out
