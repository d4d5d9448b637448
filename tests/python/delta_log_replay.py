"""Replaying a Delta table's JSON log in tests, independently of lakectl: the live `add` actions with
deletion vectors taken into account (a file is a logical file per (path, deletion vector))."""
import json


def logical_key(path, dv):
    """A logical file's identity: its path, plus its deletion vector's id when it has one."""
    if not dv:
        return path
    return path + "\0" + dv["storageType"] + dv["pathOrInlineDv"] + (f"@{dv['offset']}" if dv.get("offset") is not None else "")


def live_adds(table):
    """path -> add, replaying the JSON log; a remove drops the add only when it names the same logical file."""
    adds = {}
    for log in sorted((table / "_delta_log").glob("*.json")):
        for line in log.read_text().splitlines():
            action = json.loads(line)
            if "add" in action:
                adds[action["add"]["path"]] = action["add"]
            elif "remove" in action:
                r = action["remove"]
                live = adds.get(r["path"])
                if live and logical_key(live["path"], live.get("deletionVector")) == logical_key(r["path"], r.get("deletionVector")):
                    del adds[r["path"]]
    return adds
