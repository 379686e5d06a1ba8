"""docs/deploy.md's two app servers on one machine, run as written: nginx with deploy/nginx/one-machine.conf (TLS)
in front of two gunicorn servers in production mode on one PostgreSQL and one Redis.

Only what must differ on a test machine is swapped in the site file: free ports, a self-signed certificate and the
log paths. Each swap must match exactly once, so the test stops when the file changes shape instead of testing
something else.
"""

from __future__ import annotations

import json
import shutil
import ssl
import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from tests.channels.twilio.conftest import WEBHOOK, new_sender
from tests.prod.servers import ROOT, AppServer, free_port, require_redis, text

NGINX = Path("/usr/sbin/nginx")
SITE = ROOT / "deploy" / "nginx" / "one-machine.conf"
NAME = "services.gov.example"


def _swap(text_: str, old: str, new: str) -> str:
    assert text_.count(old) == 1, f"the nginx site no longer has exactly one {old!r}"
    return text_.replace(old, new)


class Nginx:
    def __init__(self, folder: Path, app_ports: tuple[int, int]) -> None:
        self.http, self.https = free_port(), free_port()
        folder.mkdir()
        certificate, key = folder / "site.pem", folder / "site.key"
        subprocess.run(
            [
                "openssl",
                "req",
                "-x509",
                "-newkey",
                "rsa:2048",
                "-nodes",
                "-days",
                "1",
                "-subj",
                f"/CN={NAME}",
                "-keyout",
                str(key),
                "-out",
                str(certificate),
            ],
            check=True,
            capture_output=True,
        )
        site = SITE.read_text()
        for old, new in [
            ("server 127.0.0.1:8000;", f"server 127.0.0.1:{app_ports[0]};"),
            ("server 127.0.0.1:8001;", f"server 127.0.0.1:{app_ports[1]};"),
            ("listen 80;", f"listen 127.0.0.1:{self.http};"),
            ("listen 443 ssl http2;", f"listen 127.0.0.1:{self.https} ssl http2;"),
            (f"/etc/ssl/certs/{NAME}.pem", str(certificate)),
            (f"/etc/ssl/private/{NAME}.key", str(key)),
        ]:
            site = _swap(site, old, new)
        (folder / "site.conf").write_text(site)
        shutil.copy(ROOT / "deploy" / "nginx" / "finder-proxy.conf", folder)
        self.access_log = folder / "access.log"
        # What Debian's /etc/nginx/nginx.conf gives a site, reduced to what this one uses.
        (folder / "nginx.conf").write_text(
            f"daemon off;\npid {folder}/nginx.pid;\nerror_log {folder}/error.log;\nevents {{}}\n"
            f"http {{\n  log_format ids '$request_id $status $request_uri';\n"
            f"  access_log {self.access_log} ids;\n  client_body_temp_path {folder}/body;\n"
            f"  proxy_temp_path {folder}/proxy;\n  include site.conf;\n}}\n"
        )
        self.folder = folder
        self.process = subprocess.Popen(
            [str(NGINX), "-p", str(folder), "-c", str(folder / "nginx.conf")],
            stdout=subprocess.DEVNULL,
            stderr=(folder / "stderr.log").open("wb"),
        )
        self._wait()

    def _wait(self) -> None:
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise AssertionError("nginx exited: " + (self.folder / "stderr.log").read_text()[-2000:])
            try:
                with urllib.request.urlopen(self.request("/healthz"), timeout=2, context=UNVERIFIED) as response:
                    if response.status == 200:
                        return
            except (OSError, urllib.error.HTTPError):
                time.sleep(0.2)
        raise AssertionError("nginx did not answer: " + (self.folder / "error.log").read_text()[-2000:])

    def request(self, path: str, **headers: str) -> urllib.request.Request:
        # The public name in Host, as a browser sends it to the real address.
        return urllib.request.Request(f"https://127.0.0.1:{self.https}{path}", headers={"Host": NAME, **headers})

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=20)


UNVERIFIED = ssl.create_default_context()
UNVERIFIED.check_hostname = False
UNVERIFIED.verify_mode = ssl.CERT_NONE


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


@pytest.fixture
def site(demo_postgresql_copy_url, tmp_path):
    if not NGINX.exists():
        pytest.fail(f"{NGINX} is missing: run bin/setup-tests (bin/test does), which installs Debian's nginx")
    require_redis()
    # As docs/deploy.md: no FINDER_PUBLIC_URL needed, nginx says the public address and the app trusts one proxy.
    servers = [AppServer(demo_postgresql_copy_url, tmp_path / f"app{i}.log", FINDER_PROXY_FIX="1") for i in (1, 2)]
    nginx = None
    try:
        for server in servers:
            server.wait_until_healthy()
        nginx = Nginx(tmp_path / "nginx", (servers[0].port, servers[1].port))
        yield nginx, servers
    finally:
        if nginx is not None:
            nginx.stop()
        for server in servers:
            server.stop()


@pytest.mark.postgres
def test_two_app_servers_serve_behind_nginx_as_docs_say(site):
    nginx, servers = site
    # Plain HTTP is sent on to HTTPS under the public name.
    opener = urllib.request.build_opener(_NoRedirect)
    with pytest.raises(urllib.error.HTTPError) as moved:
        opener.open(urllib.request.Request(f"http://127.0.0.1:{nginx.http}/en/", headers={"Host": NAME}))
    assert moved.value.code == 301 and moved.value.headers["Location"] == f"https://{NAME}/en/"

    # Citizens' pages through nginx; the app knows its public address (the canonical link) from nginx's headers.
    for path in ["/en/", "/fr/", "/ar/"] * 2:
        with urllib.request.urlopen(nginx.request(path), timeout=30, context=UNVERIFIED) as response:
            assert response.status == 200
            assert f'<link rel="canonical" href="https://{NAME}{path}">' in response.read().decode()
    with urllib.request.urlopen(nginx.request("/en/search?q=lost+passport"), timeout=30, context=UNVERIFIED) as found:
        assert found.status == 200 and "passport" in found.read().decode().lower()

    # Twilio signs for the public https address: the signature holds only if nginx's headers reach the app.
    sender = new_sender()
    url = f"https://127.0.0.1:{nginx.https}"

    def opened(request, timeout):
        request.add_header("Host", NAME)
        return urllib.request.urlopen(request, timeout=timeout, context=UNVERIFIED)

    listing = text(url, f"https://{NAME}", sender, "lost passport", opener=opened)
    details = text(url, f"https://{NAME}", sender, "1", opener=opened)
    assert listing.startswith("1. ") and details.splitlines()[0] == listing.splitlines()[0].removeprefix("1. ")

    # nginx spread the requests over both servers, and each app line carries the request id nginx made.
    assert [server.stop() for server in servers] == [0, 0]
    nginx_ids = {line.split()[0] for line in nginx.access_log.read_text().splitlines()}
    for server in servers:
        access = [json.loads(line) for line in server.log.read_text().splitlines() if '"gunicorn.access"' in line]
        assert any(line["path"] != "/healthz" for line in access), "nginx sent this server nothing"
        proxied = [line for line in access if line["request_id"] in nginx_ids]
        assert proxied and all(line["status"] in (200, "200") for line in proxied if line["path"] != WEBHOOK)


def test_compose_site_is_valid_nginx(tmp_path):
    if not NGINX.exists():
        pytest.fail(f"{NGINX} is missing: run bin/setup-tests (bin/test does), which installs Debian's nginx")
    # compose.yaml mounts it as a conf.d site beside finder-proxy.conf; its app hosts exist only inside compose.
    site = (ROOT / "deploy" / "nginx" / "compose.conf").read_text()
    site = _swap(
        _swap(site, "server app1:8000;", "server 127.0.0.1:8000;"), "server app2:8000;", "server 127.0.0.1:8001;"
    )
    (tmp_path / "site.conf").write_text(site)
    shutil.copy(ROOT / "deploy" / "nginx" / "finder-proxy.conf", tmp_path)
    (tmp_path / "nginx.conf").write_text(
        f"pid {tmp_path}/nginx.pid;\nerror_log {tmp_path}/error.log;\nevents {{}}\nhttp {{ include site.conf; }}\n"
    )
    checked = subprocess.run(
        [str(NGINX), "-t", "-p", str(tmp_path), "-c", str(tmp_path / "nginx.conf")], capture_output=True, text=True
    )
    assert checked.returncode == 0, checked.stderr
