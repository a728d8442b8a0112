"""python -m antialias_np.onnx check model.onnx [--fix OUT]: which torch call each Resize node equals.

Prints check_model's findings, one block per Resize / Upsample node. With --fix OUT, writes the model with the
attributes check_model can fix rewritten to OUT (a new file; the model is never changed). Exit status: 0 if every
node equals a torch call (after the fixes, with --fix), 1 if one does not, 2 for an error (one line on stderr).
"""

from __future__ import annotations

import argparse
import sys

from antialias_np.onnx import checker


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m antialias_np.onnx",
        description="Check the Resize nodes of an ONNX model against torch.nn.functional.interpolate.",
    )
    commands = parser.add_subparsers(dest="command", required=True)
    check = commands.add_parser("check", help="list every Resize / Upsample node and the torch call it equals")
    check.add_argument("model", help="the .onnx file")
    check.add_argument("--fix", metavar="OUT", help="write the model with torch's attributes to OUT (a new file)")
    arguments = parser.parse_args(argv)
    try:
        if arguments.fix:
            findings = checker.save_fixed(arguments.model, arguments.fix)
        else:
            findings = checker.check_model(arguments.model)
    except Exception as error:  # a command shows the cause in one line, never a traceback
        print(f"python -m antialias_np.onnx: error: {' '.join(str(error).split())}", file=sys.stderr)
        return 2
    for finding in findings:
        print(finding)
    fixed = sum(bool(finding.fixes) for finding in findings) if arguments.fix else 0
    unequal = sum(not finding.equals_torch and not (arguments.fix and finding.fixes) for finding in findings)
    summary = f"{len(findings)} Resize / Upsample node(s): {len(findings) - unequal} equal a torch call"
    if arguments.fix:
        summary += f" ({fixed} after the fixes written to {arguments.fix})"
    print(summary + (f", {unequal} do not" if unequal else ""))
    return 1 if unequal else 0


if __name__ == "__main__":
    sys.exit(main())
