#!/usr/bin/env python3
"""Writes the src/npu/*.gen.{hpp,cpp} command tables from the Ethos-U55 command facts.

The facts file lists every enumeration of the register description ("enum NAME" followed by
"ENTRY = 0xVALUE" lines) and the bit layout of every command word
("command NAME (32|64 bits): field[first:last] ..."). We emit, one job per file:
  - command_enums.gen.hpp: `enum class Opcode` (value = cmd_code | 0x4000 for cmd1, i.e. the low
    16 bits of the command's first word) and one `enum class` per field enumeration, for code that
    builds commands;
  - register_maps.gen.hpp: one `enum class` per register offset map (the upper-case
    enumerations: BASE, TSU, PMU, ...);
  - enum_tables.gen.cpp: constexpr name/value tables of every enumeration;
  - command_layouts.gen.cpp: the bit layouts (each distinct layout once) and the table of every
    command, read by the generic encoder, decoder and printer (types in
    src/npu/command_tables.hpp);
  - command_fields.gen.{hpp,cpp}: a struct with one named, typed member per value field for
    every command whose word packs more than one number or an enumerated value (e.g.
    `SetOfmPrecision{.precision = OfmPrecision::kS8, .rounding = Rounding::kTfl}`), and its
    `to_command`, which packs the members through the field-checked `make_command`.

The facts do not say which enumeration a field's values come from; FIELD_ENUMS below links them,
following the field encodings in docs/npu_architecture.md §Command stream. The script checks the
facts' structure (layouts tile the word(s), one layout per opcode) and fails loudly on any
surprise.

Run by hand when the facts change; the output is committed because a user's clone has no
../shared. The output is passed through clang-format when it is installed.

usage: gen_npu_commands.py FACTS.txt OUT_DIR
"""
import os
import re
import shutil
import subprocess
import sys

# (command layout, field) -> enumeration of the field's values.
FIELD_ENUMS = {
    ("npu_op_pool", "mode"): "pooling_mode",
    ("npu_op_elementwise", "mode"): "elementwise_mode",
    ("npu_set_ifm_precision", "precision"): "ifm_precision",
    ("npu_set_ifm_precision", "format"): "data_format",
    ("npu_set_ifm_precision", "scale_mode"): "ifm_scale_mode",
    ("npu_set_ifm_precision", "round_mode"): "rounding",
    ("npu_set_ifm_upscale", "mode"): "resampling_mode",
    ("npu_set_ofm_precision", "precision"): "ofm_precision",
    ("npu_set_ofm_precision", "format"): "data_format",
    ("npu_set_ofm_precision", "rounding"): "rounding",
    ("npu_set_acc_format", "param"): "acc_format",
    ("npu_set_activation", "type"): "activation",
    ("npu_set_activation", "act_clip_range"): "clip_range",
    ("npu_set_dma0_src_region", "stride_mode"): "stride_mode",
    ("npu_set_dma0_dst_region", "stride_mode"): "stride_mode",
    ("npu_set_ifm2_precision", "precision"): "ifm_precision",
    ("npu_set_ifm2_precision", "format"): "data_format",
}

# Commands whose one value field is a plain number but not an address either: they get a
# field struct too, so that no caller writes their payload by hand.
EXTRA_FIELD_STRUCTS = {"npu_set_opb_scale"}

# Opcode enumerations; they become `Opcode`, not enum classes of their own.
OPCODE_ENUMS = {"cmd0": 0, "cmd1": 0x4000}


def fail(msg):
    sys.exit(f"gen_npu_commands.py: {msg}")


def parse(path):
    enums, commands, cur = [], [], None
    for lineno, raw in enumerate(open(path, encoding="utf-8").read().splitlines(), 1):
        line = raw.rstrip()
        if line.startswith("#") or not line.strip():
            cur = None
            continue
        m = re.fullmatch(r"enum (\w+)", line)
        if m:
            cur = {"name": m.group(1), "entries": []}
            enums.append(cur)
            continue
        m = re.fullmatch(r"\s+(\w+) = (0x[0-9A-Fa-f]+)", line)
        if m and cur is not None:
            cur["entries"].append((m.group(1), int(m.group(2), 16)))
            continue
        m = re.fullmatch(r"command (\w+) \((\d+) bits\): (.*)", line)
        if m:
            cur = None
            fields = []
            for tok in m.group(3).split():
                f = re.fullmatch(r"(\w+)\[(\d+):(\d+)\]", tok)
                if not f:
                    fail(f"line {lineno}: bad field '{tok}'")
                fields.append((f.group(1), int(f.group(2)), int(f.group(3))))
            commands.append({"name": m.group(1), "bits": int(m.group(2)), "fields": fields})
            continue
        fail(f"line {lineno}: unrecognised line '{line}'")
    return enums, commands


def role(field):
    if field == "cmd_code":
        return "kCode"
    if field.startswith("must_be_zero"):
        return "kMustBeZero"
    if field == "payload_size":
        return "kPayloadSize"
    if field.startswith("reserved"):
        return "kReserved"
    return "kValue"


def check(enums, commands):
    names = [e["name"] for e in enums]
    if len(set(names)) != len(names):
        fail("duplicate enumeration name")
    for e in enums:
        entry_names = [n for n, _ in e["entries"]]
        idents = [camel(n) for n in entry_names]
        if not entry_names or len(set(idents)) != len(idents):
            fail(f"enum {e['name']}: empty, or entry names that clash in C++")
    by_name = {e["name"]: e for e in enums}
    opcodes = {}
    for enum_name, flag in OPCODE_ENUMS.items():
        for n, v in by_name[enum_name]["entries"]:
            if n in opcodes:
                fail(f"opcode {n} is both cmd0 and cmd1")
            if v > 0x3FF:
                fail(f"opcode {n} = {v:#x} does not fit the 10-bit cmd_code")
            opcodes[n] = (enum_name, v)
    layouts = {}
    for c in commands:
        upper = c["name"].upper()
        if upper not in opcodes:
            fail(f"command layout {c['name']} has no opcode")
        if upper in layouts:
            fail(f"two layouts for {c['name']}")
        kind = opcodes[upper][0]
        if c["bits"] != (32 if kind == "cmd0" else 64):
            fail(f"{c['name']}: {c['bits']} bits for a {kind} command")
        expect = 0
        for f, first, last in c["fields"]:
            if first != expect or last < first:
                fail(f"{c['name']}: field {f} does not follow on at bit {expect}")
            if first // 32 != last // 32:
                fail(f"{c['name']}: field {f} crosses a word boundary")
            expect = last + 1
        if expect != c["bits"]:
            fail(f"{c['name']}: fields cover {expect} of {c['bits']} bits")
        if c["fields"][0] != ("cmd_code", 0, 9):
            fail(f"{c['name']}: first field is not cmd_code[0:9]")
        layouts[upper] = c
    missing = set(opcodes) - set(layouts)
    if missing:
        fail(f"opcodes without a layout: {sorted(missing)}")
    for (cmd, field), enum_name in FIELD_ENUMS.items():
        c = layouts.get(cmd.upper())
        if c is None or field not in [f for f, _, _ in c["fields"]]:
            fail(f"FIELD_ENUMS names a missing field {cmd}.{field}")
        if enum_name not in by_name:
            fail(f"FIELD_ENUMS names a missing enumeration {enum_name}")
    return opcodes, layouts


def camel(name):
    return "".join(p[:1].upper() + p[1:].lower() for p in name.split("_") if p)


def type_name(enum_name):
    # Upper-case enumerations (BASE, TSU, PMU, ...) are register offset maps.
    if enum_name.isupper():
        return camel(enum_name) + "Register"
    return camel(enum_name)


def opcode_ident(name):
    if not name.startswith("NPU_"):
        fail(f"opcode {name} does not start with NPU_")
    return "k" + camel(name[len("NPU_"):])


GENERATED = [
    "// Generated by scripts/gen_npu_commands.py from reference/ethos_u55_command_facts.txt.",
    "// Do not edit; run the script again when the facts change.",
]


def emit_enum(e):
    out = [f"// enum {e['name']}", f"enum class {type_name(e['name'])} : uint32_t {{"]
    for n, v in e["entries"]:
        out.append(f"  k{camel(n)} = {v:#x},")
    return out + ["};", ""]


def ordered_opcodes(opcodes):
    return sorted(opcodes.items(), key=lambda kv: OPCODE_ENUMS[kv[1][0]] | kv[1][1])


def emit_command_enums(enums, opcodes):
    out = ["#pragma once"] + GENERATED + [
        "#include <cstdint>",
        "",
        "namespace euc::npu {",
        "",
        "// Every command: the value is cmd_code | 0x4000 for cmd1 commands, i.e. the low 16 bits",
        "// of the command's first word.",
        "enum class Opcode : uint16_t {",
    ]
    for n, (kind, v) in ordered_opcodes(opcodes):
        out.append(f"  {opcode_ident(n)} = {OPCODE_ENUMS[kind] | v:#06x},")
    out += ["};", ""]
    for e in enums:
        if e["name"] not in OPCODE_ENUMS and not e["name"].isupper():
            out += emit_enum(e)
    out += ["}  // namespace euc::npu", ""]
    return "\n".join(out)


def emit_register_maps(enums):
    out = ["#pragma once"] + GENERATED + [
        "// The register offset maps of the register description (not used by command streams;",
        "// named for printing and for tests).",
        "#include <cstdint>",
        "",
        "namespace euc::npu {",
        "",
    ]
    for e in enums:
        if e["name"].isupper():
            out += emit_enum(e)
    out += ["}  // namespace euc::npu", ""]
    return "\n".join(out)


# The enumerations table shared by the two sources: defined in enum_tables.gen.cpp, its fields
# pointed at from command_layouts.gen.cpp.
def enum_table_declaration(enums):
    return f"extern const EnumInfo kEnumInfos[{len(enums)}];"


def emit_enum_tables(enums):
    out = GENERATED + [
        '#include "npu/command_tables.hpp"',
        "",
        "namespace euc::npu {",
        "namespace {",
        "",
    ]
    for e in enums:
        out.append(f"constexpr EnumEntry kEnum{camel(e['name'])}[] = {{")
        for n, v in e["entries"]:
            out.append(f'    {{"{n}", {v:#x}}},')
        out += ["};", ""]
    out += [
        "}  // namespace",
        "",
        "namespace tables {",
        enum_table_declaration(enums),
        f"constexpr EnumInfo kEnumInfos[{len(enums)}] = {{",
    ]
    for e in enums:
        out.append(f'    {{"{e["name"]}", kEnum{camel(e["name"])}}},')
    out += [
        "};",
        "}  // namespace tables",
        "",
        "std::span<const EnumInfo> enum_table() { return tables::kEnumInfos; }",
        "",
        "}  // namespace euc::npu",
        "",
    ]
    return "\n".join(out)


def emit_command_layouts(enums, opcodes, layouts):
    enum_index = {e["name"]: i for i, e in enumerate(enums)}
    out = GENERATED + [
        '#include "npu/command_tables.hpp"',
        "",
        "namespace euc::npu {",
        "namespace tables {",
        enum_table_declaration(enums),
        "}  // namespace tables",
        "",
        "namespace {",
        "",
    ]
    # Many commands share a layout (every address command, every 16-bit parameter): each
    # distinct layout is written once, named after the first command that has it.
    layout_name = {}
    distinct = {}
    for n, _ in ordered_opcodes(opcodes):
        c = layouts[n]
        rows = []
        for f, first, last in c["fields"]:
            enum_name = FIELD_ENUMS.get((c["name"], f))
            ptr = f"&tables::kEnumInfos[{enum_index[enum_name]}]" if enum_name else "nullptr"
            rows.append(f'    {{"{f}", {first}, {last}, FieldRole::{role(f)}, {ptr}}},')
        key = (c["bits"], tuple(rows))
        if key not in distinct:
            distinct[key] = f"kFields{camel(c['name'])}"
            out.append(f"// {c['bits']} bits")
            out.append(f"constexpr FieldInfo {distinct[key]}[] = {{")
            out += rows
            out += ["};", ""]
        layout_name[n] = distinct[key]
    out.append("constexpr CommandInfo kCommands[] = {")
    for n, (kind, v) in ordered_opcodes(opcodes):
        kind_ident = "CommandKind::kCmd0" if kind == "cmd0" else "CommandKind::kCmd1"
        out.append(f'    {{"{n}", Opcode::{opcode_ident(n)}, {kind_ident}, {v:#05x}, '
                   f"{layout_name[n]}}},")
    out += [
        "};",
        "",
        "}  // namespace",
        "",
        "std::span<const CommandInfo> command_table() { return kCommands; }",
        "",
        "}  // namespace euc::npu",
        "",
    ]
    return "\n".join(out)


def value_fields(c):
    return [(f, first, last) for f, first, last in c["fields"] if role(f) == "kValue"]


def wants_field_struct(c):
    """A command gets a field struct when its value fields are more than one number (except the
    {param, data} pair of the 40-bit address commands) or any of them is enumerated."""
    if c["name"] in EXTRA_FIELD_STRUCTS:
        return True
    names = [f for f, _, _ in value_fields(c)]
    if any((c["name"], f) in FIELD_ENUMS for f in names):
        return True
    return len(names) > 1 and sorted(names) != ["data", "param"]


def struct_name(command_name):
    return camel(command_name[len("npu_"):])


def member_type(c, field, first, last):
    enum_name = FIELD_ENUMS.get((c["name"], field))
    if enum_name:
        return type_name(enum_name), "{}"
    if first == last:
        return "bool", " = false"
    return "uint32_t", " = 0"


def field_struct_commands(opcodes, layouts):
    return [layouts[n] for n, _ in ordered_opcodes(opcodes) if wants_field_struct(layouts[n])]


def emit_command_fields_hpp(opcodes, layouts):
    out = ["#pragma once"] + GENERATED + [
        "// Typed field structs of the commands that pack several values into their word(s); see",
        "// scripts/gen_npu_commands.py. to_command packs the members with make_command, which",
        "// throws an internal error for a value that does not fit its field or is not a value of",
        "// its enumeration.",
        '#include "npu/command.hpp"',
        "",
        "namespace euc::npu {",
        "",
    ]
    for c in field_struct_commands(opcodes, layouts):
        name = struct_name(c["name"])
        out.append(f"// {c['name'].upper()}: " +
                   " ".join(f"{f}[{a}:{b}]" for f, a, b in value_fields(c)))
        out.append(f"struct {name} {{")
        out.append(f"  static constexpr Opcode kOpcode = Opcode::{opcode_ident(c['name'].upper())};")
        for f, first, last in value_fields(c):
            t, init = member_type(c, f, first, last)
            out.append(f"  {t} {f}{init};")
        out += ["};", f"Command to_command(const {name}& fields);", ""]
    out += ["}  // namespace euc::npu", ""]
    return "\n".join(out)


def emit_command_fields_cpp(opcodes, layouts):
    out = GENERATED + [
        '#include "npu/command_fields.gen.hpp"',
        "",
        "namespace euc::npu {",
        "",
    ]
    for c in field_struct_commands(opcodes, layouts):
        name = struct_name(c["name"])
        settings = ", ".join(f'{{"{f}", fields.{f}}}' for f, _, _ in value_fields(c))
        out += [
            f"Command to_command(const {name}& fields) {{",
            f"  return make_command({name}::kOpcode, {{{settings}}});",
            "}",
            "",
        ]
    out += ["}  // namespace euc::npu", ""]
    return "\n".join(out)


def write(path, text):
    exe = shutil.which("clang-format")
    if exe:
        text = subprocess.run([exe, f"--assume-filename={os.path.abspath(path)}"], input=text,
                              text=True, check=True, capture_output=True).stdout
    with open(path, "w", encoding="utf-8") as f:
        f.write(text)


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    enums, commands = parse(sys.argv[1])
    opcodes, layouts = check(enums, commands)
    out_dir = sys.argv[2]
    write(os.path.join(out_dir, "command_enums.gen.hpp"), emit_command_enums(enums, opcodes))
    write(os.path.join(out_dir, "register_maps.gen.hpp"), emit_register_maps(enums))
    write(os.path.join(out_dir, "enum_tables.gen.cpp"), emit_enum_tables(enums))
    write(os.path.join(out_dir, "command_layouts.gen.cpp"),
          emit_command_layouts(enums, opcodes, layouts))
    write(os.path.join(out_dir, "command_fields.gen.hpp"), emit_command_fields_hpp(opcodes, layouts))
    write(os.path.join(out_dir, "command_fields.gen.cpp"), emit_command_fields_cpp(opcodes, layouts))


if __name__ == "__main__":
    main()
