#!/usr/bin/python3
"""python-keystoneclient in the process-level benchmark of keystone-go.

keystoneauth1 v3.Password + Session and keystoneclient.v3.Client, as
OpenStack's own services and CLIs use them. Same protocol as the Go client
programs (bench/internal/proc): authenticate and make the first call, then N
more calls timed as one loop with the process's own CPU time read before and
after; print one JSON line.

Run it with Debian's interpreter (/usr/bin/python3), which has the
python3-keystoneclient that comes with Keystone:

    /usr/bin/python3 ksclient.py -mode list -n 1000
"""
import argparse
import json
import os
import resource
import sys
import time

import requests
from keystoneauth1 import session as ks_session
from keystoneauth1.identity import v3
from keystoneclient.v3 import client as ks_client


def cpu():
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime, r.ru_stime


def peak_rss_kib():
    """VmHWM, as the Go clients report it."""
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    return 0


def main():
    p = argparse.ArgumentParser()
    p.add_argument("-auth-url", dest="auth_url", default=os.environ.get("OS_AUTH_URL"))
    p.add_argument("-user", default=os.environ.get("OS_USERNAME", "admin"))
    p.add_argument("-password", default=os.environ.get("OS_PASSWORD", "secret"))
    p.add_argument("-project", default=os.environ.get("OS_PROJECT_NAME", "admin"))
    p.add_argument("-domain", default=os.environ.get("OS_USER_DOMAIN_ID", "default"))
    p.add_argument("-mode", default="list", choices=["list", "validate", "auth"])
    p.add_argument("-n", type=int, default=1000)
    args = p.parse_args()

    exchanges = [0]

    def count(resp, *a, **kw):
        exchanges[0] += 1

    http = requests.Session()
    http.hooks["response"].append(count)
    auth = v3.Password(auth_url=args.auth_url, username=args.user, password=args.password,
                       user_domain_id=args.domain, project_name=args.project,
                       project_domain_id=args.domain)
    sess = ks_session.Session(auth=auth, session=http)
    ks = ks_client.Client(session=sess)

    if args.mode == "list":
        def call():
            return len(ks.projects.list())
    elif args.mode == "validate":
        def call():
            return len(ks.tokens.validate(sess.get_token()).role_names)
    else:
        def call():
            auth.invalidate()
            sess.get_token()
            return len(auth.get_access(sess).service_catalog.catalog)

    call()
    res = {"client": "python", "mode": args.mode, "n": args.n,
           "first_call_unix_ns": time.time_ns(), "round_trips_first_call": exchanges[0]}
    u0, s0 = cpu()
    t0 = time.perf_counter_ns()
    items = 0
    for _ in range(args.n):
        items = call()
    res["loop_wall_ns"] = time.perf_counter_ns() - t0
    u1, s1 = cpu()
    res["loop_user_ns"] = int((u1 - u0) * 1e9)
    res["loop_sys_ns"] = int((s1 - s0) * 1e9)
    res["items"] = items
    res["round_trips"] = exchanges[0]
    res["peak_rss_kib"] = peak_rss_kib()
    json.dump(res, sys.stdout)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
