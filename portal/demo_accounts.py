"""The demo store's portal accounts, created by `migstats demo` (run as a module, in a process
of its own), and the lines that say how to log in with them.

For the demo store only: a real store's accounts are made with `migstats users add`, with
passwords nobody else has read.
"""

from __future__ import annotations

#: (account, role, member states, password)
DEMO_ACCOUNTS = [
    ("kenya", "focal_point", ["KEN"], "demo-kenya-focal-point"),
    ("uganda", "focal_point", ["UGA"], "demo-uganda-focal-point"),
    ("secretariat", "secretariat", [], "demo-comesa-secretariat"),
]


def main() -> None:
    from portal import commands

    commands.setup()
    commands.prepare()
    for name, role, states, password in DEMO_ACCOUNTS:
        commands.add_user(name, password, role=role, countries=states, full_name=name.title())
    print("Open the portal:  make portal   (then http://127.0.0.1:8000), demo accounts:")
    for name, role, states, password in DEMO_ACCOUNTS:
        scope = f" for {', '.join(states)}" if states else ", every member state"
        print(f"  {name:<12} password {password:<26} {role.replace('_', ' ')}{scope}")
    print("  the public data explorer needs no account: http://127.0.0.1:8000/data/")


if __name__ == "__main__":
    main()
