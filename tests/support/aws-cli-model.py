"""What the AWS CLI's own botocore and jmespath say about command lines that its parser accepted:
the enum values a flag takes, and the output fields a --query names. Neither is checked by the CLI
before the request (botocore validates no enums client-side; a --query field that the output does
not have quietly gives null), so tests/command-lines.test.ts asks here, with Debian's awscli
(/usr/bin/python3, the interpreter /usr/bin/aws runs on) and, for a command that needs it, the
newer models of vendor/botocore-models/ (as AWS_DATA_PATH does for the CLI).

stdin: a JSON list of {"id", "service", "operation" (lower case, no dashes), "dataPath", "enums":
{flag: value}, "query"}; stdout: a JSON object of id -> list of problems (empty when none).
"""

import json
import sys

import jmespath
from awscli.botocore import xform_name
from awscli.botocore.session import get_session


class ListOf:
    """The result of a projection: a list whose elements have `inner`'s shape."""

    def __init__(self, inner):
        self.inner = inner


def element(shape):
    if isinstance(shape, ListOf):
        return shape.inner
    if shape is not None and shape.type_name == "list":
        return shape.member
    return None


def walk(node, shape, problems):
    """The shape `node` yields on input of `shape` (None when unknown); unknown fields into problems."""
    kind = node["type"]
    children = node.get("children", [])
    if kind == "field":
        if shape is None or isinstance(shape, ListOf):
            return None
        if shape.type_name == "structure":
            if node["value"] not in shape.members:
                problems.append(f"--query names {node['value']}, which {shape.name} does not have (it has {', '.join(shape.members)})")
                return None
            return shape.members[node["value"]]
        return None
    if kind in ("subexpression", "pipe"):
        return walk(children[1], walk(children[0], shape, problems), problems)
    if kind == "index_expression":
        left = walk(children[0], shape, problems)
        return left if children[1]["type"] == "slice" else element(left)
    if kind == "flatten":
        inner = walk(children[0], shape, problems)
        nested = element(inner)
        return inner if nested is None or element(nested) is None else ListOf(element(nested))
    if kind in ("projection", "value_projection"):
        items = element(walk(children[0], shape, problems))
        return ListOf(walk(children[1], items, problems)) if items is not None else None
    if kind == "filter_projection":
        items = element(walk(children[0], shape, problems))
        if items is None:
            return None
        walk(children[2], items, problems)
        return ListOf(walk(children[1], items, problems))
    if kind == "function_expression":
        args = children
        if node["value"] in ("sort_by", "max_by", "min_by") and len(args) == 2:
            items = walk(args[0], shape, problems)
            walk(args[1]["children"][0], element(items), problems)
            return items
        for arg in args:
            walk(arg, shape, problems)
        return None
    if kind in ("identity", "current"):
        return shape
    if kind == "multi_select_dict":
        for pair in children:
            walk(pair["children"][0], shape, problems)
        return None
    for child in children:  # comparators, and/or/not, multi-select lists: each against the same input
        walk(child, shape, problems)
    return None


def check(request):
    session = get_session()
    if request.get("dataPath"):
        session.set_config_variable("data_path", request["dataPath"])
    model = session.get_service_model(request["service"])
    names = [o for o in model.operation_names if o.lower() == request["operation"]]
    if not names:
        return [f"no operation {request['operation']} in {request['service']}'s model"]
    operation = model.operation_model(names[0])
    problems = []
    members = operation.input_shape.members if operation.input_shape else {}
    for name, member in members.items():
        flag = "--" + xform_name(name, "-")
        if flag not in request["enums"]:
            continue
        target = member.member if member.type_name == "list" else member
        allowed = getattr(target, "enum", None) or []
        for value in request["enums"][flag]:
            if allowed and value not in allowed:
                problems.append(f"{flag} {value}: not one of {', '.join(allowed)}")
    if request.get("query"):
        walk(jmespath.compile(request["query"]).parsed, operation.output_shape, problems)
    return problems


print(json.dumps({r["id"]: check(r) for r in json.load(sys.stdin)}))
