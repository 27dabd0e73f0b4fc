// The generated tables against the facts they were generated from, and the structural properties
// the encoder and decoder rely on.
#include "npu/command_tables.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <fstream>
#include <regex>
#include <set>
#include <string>
#include <vector>

#include "core/error.hpp"
#include "support/test_paths.hpp"

namespace euc::npu {
namespace {

struct FactsField {
  std::string name;
  int first;
  int last;
};
struct FactsCommand {
  std::string name;
  int bits;
  std::vector<FactsField> fields;
};
struct FactsEnum {
  std::string name;
  std::vector<std::pair<std::string, uint32_t>> entries;
};
struct Facts {
  std::vector<FactsEnum> enums;
  std::vector<FactsCommand> commands;
};

// An independent reading of the facts file (the tables come from a Python script).
Facts parse_facts(const std::filesystem::path& path) {
  std::ifstream in(path);
  EXPECT_TRUE(in) << path;
  const std::regex enum_re(R"(enum (\w+))");
  const std::regex entry_re(R"(\s+(\w+) = 0x([0-9A-Fa-f]+))");
  const std::regex command_re(R"(command (\w+) \((\d+) bits\): (.*))");
  const std::regex field_re(R"((\w+)\[(\d+):(\d+)\])");
  Facts facts;
  FactsEnum* current = nullptr;
  std::string line;
  while (std::getline(in, line)) {
    std::smatch m;
    if (line.empty() || line[0] == '#') {
      current = nullptr;
    } else if (std::regex_match(line, m, enum_re)) {
      facts.enums.push_back({m[1], {}});
      current = &facts.enums.back();
    } else if (std::regex_match(line, m, entry_re)) {
      EXPECT_NE(current, nullptr) << line;
      if (current != nullptr) {
        current->entries.emplace_back(m[1], static_cast<uint32_t>(std::stoul(m[2], nullptr, 16)));
      }
    } else if (std::regex_match(line, m, command_re)) {
      current = nullptr;
      FactsCommand command{m[1], std::stoi(m[2]), {}};
      const std::string layout = m[3];
      for (std::sregex_iterator it(layout.begin(), layout.end(), field_re), end; it != end; ++it) {
        command.fields.push_back({(*it)[1], std::stoi((*it)[2]), std::stoi((*it)[3])});
      }
      facts.commands.push_back(std::move(command));
    } else {
      ADD_FAILURE() << "unrecognised facts line: " << line;
    }
  }
  return facts;
}

std::string upper(std::string text) {
  std::transform(text.begin(), text.end(), text.begin(),
                 [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
  return text;
}

std::filesystem::path facts_path() {
  return test::shared_dir() / "reference" / "ethos_u55_command_facts.txt";
}

TEST(NpuCommandTables, EveryEnumerationMatchesFacts) {
  EUC_REQUIRE_SHARED();
  const Facts facts = parse_facts(facts_path());
  ASSERT_FALSE(facts.enums.empty());
  ASSERT_EQ(enum_table().size(), facts.enums.size());
  for (std::size_t i = 0; i < facts.enums.size(); ++i) {
    const FactsEnum& expected = facts.enums[i];
    const EnumInfo& actual = enum_table()[i];
    EXPECT_EQ(actual.name, expected.name);
    ASSERT_EQ(actual.entries.size(), expected.entries.size()) << expected.name;
    for (std::size_t j = 0; j < expected.entries.size(); ++j) {
      EXPECT_EQ(actual.entries[j].name, expected.entries[j].first) << expected.name;
      EXPECT_EQ(actual.entries[j].value, expected.entries[j].second)
          << expected.name << "." << expected.entries[j].first;
    }
  }
}

TEST(NpuCommandTables, EveryOpcodeMatchesFacts) {
  EUC_REQUIRE_SHARED();
  const Facts facts = parse_facts(facts_path());
  std::size_t opcodes = 0;
  for (const FactsEnum& e : facts.enums) {
    if (e.name != "cmd0" && e.name != "cmd1")
      continue;
    const CommandKind kind = e.name == "cmd0" ? CommandKind::kCmd0 : CommandKind::kCmd1;
    for (const auto& [name, value] : e.entries) {
      ++opcodes;
      const CommandInfo* info = find_command(name);
      ASSERT_NE(info, nullptr) << name;
      EXPECT_EQ(info->kind, kind) << name;
      EXPECT_EQ(info->code, value) << name;
      EXPECT_EQ(static_cast<uint32_t>(info->opcode),
                value | (kind == CommandKind::kCmd1 ? 0x4000u : 0u))
          << name;
      EXPECT_EQ(find_command(kind, static_cast<uint16_t>(value)), info) << name;
    }
  }
  EXPECT_GT(opcodes, 0u);
  EXPECT_EQ(command_table().size(), opcodes);
}

TEST(NpuCommandTables, EveryFieldPositionMatchesFacts) {
  EUC_REQUIRE_SHARED();
  const Facts facts = parse_facts(facts_path());
  ASSERT_EQ(facts.commands.size(), command_table().size());
  for (const FactsCommand& expected : facts.commands) {
    const CommandInfo* info = find_command(upper(expected.name));
    ASSERT_NE(info, nullptr) << expected.name;
    EXPECT_EQ(expected.bits, 32 * command_words(info->kind)) << expected.name;
    ASSERT_EQ(info->fields.size(), expected.fields.size()) << expected.name;
    for (std::size_t i = 0; i < expected.fields.size(); ++i) {
      const FieldInfo& field = info->fields[i];
      EXPECT_EQ(field.name, expected.fields[i].name) << expected.name;
      EXPECT_EQ(int{field.first_bit}, expected.fields[i].first)
          << expected.name << "." << field.name;
      EXPECT_EQ(int{field.last_bit}, expected.fields[i].last) << expected.name << "." << field.name;
    }
  }
}

TEST(NpuCommandTables, TableIsSortedByOpcodeAndNamesAreUnique) {
  std::set<std::string_view> names;
  for (std::size_t i = 0; i < command_table().size(); ++i) {
    const CommandInfo& info = command_table()[i];
    if (i > 0) {
      EXPECT_LT(command_table()[i - 1].opcode, info.opcode);
    }
    EXPECT_TRUE(names.insert(info.name).second) << info.name;
    EXPECT_EQ(command_kind(info.opcode), info.kind);
    EXPECT_EQ(command_code(info.opcode), info.code);
    EXPECT_EQ(find_command(info.opcode), &info);
    EXPECT_EQ(opcode_name(info.opcode), info.name);
  }
}

TEST(NpuCommandTables, FieldsTileEveryCommandWord) {
  for (const CommandInfo& info : command_table()) {
    int next = 0;
    for (const FieldInfo& field : info.fields) {
      EXPECT_EQ(field.first_bit, next) << info.name << "." << field.name;
      EXPECT_LE(field.first_bit, field.last_bit);
      EXPECT_EQ(field.first_bit / 32, field.last_bit / 32) << info.name << "." << field.name;
      next = field.last_bit + 1;
    }
    EXPECT_EQ(next, 32 * command_words(info.kind)) << info.name;
    ASSERT_FALSE(info.fields.empty());
    EXPECT_EQ(info.fields[0].role, FieldRole::kCode);
    EXPECT_EQ(info.fields[0].last_bit, 9);
    // Everything above bit 15 of the first word is the 16-bit parameter.
    for (const FieldInfo& field : info.fields) {
      if (field.first_bit < 16) {
        EXPECT_LE(field.last_bit, 15) << info.name << "." << field.name;
      }
    }
  }
}

TEST(NpuCommandTables, EnumeratedFieldsHoldEveryValueOfTheirEnumeration) {
  int enumerated = 0;
  for (const CommandInfo& info : command_table()) {
    for (const FieldInfo& field : info.fields) {
      if (field.enumeration == nullptr)
        continue;
      ++enumerated;
      EXPECT_EQ(field.role, FieldRole::kValue);
      for (const EnumEntry& entry : field.enumeration->entries) {
        EXPECT_LE(entry.value, field.max_value()) << info.name << "." << field.name;
      }
    }
  }
  EXPECT_EQ(enumerated, 17);
}

TEST(NpuCommandTables, EnumLookups) {
  const EnumInfo* rounding = find_enum("rounding");
  ASSERT_NE(rounding, nullptr);
  EXPECT_EQ(enum_value_name(*rounding, 2), "NATURAL");
  EXPECT_EQ(enum_value(*rounding, "TRUNCATE"), 1u);
  EXPECT_EQ(enum_value_name(*rounding, 3), std::nullopt);
  EXPECT_EQ(find_enum("no_such_enum"), nullptr);
  EXPECT_EQ(static_cast<uint32_t>(Rounding::kNatural), 2u);
  EXPECT_EQ(static_cast<uint32_t>(TsuRegister::kIfmPrecision), 0x814u);

  const EnumInfo* activation = find_enum("activation");
  ASSERT_NE(activation, nullptr);
  EXPECT_EQ(describe_enum_value(*activation, 0x10), "LUT_START");
  EXPECT_EQ(describe_enum_value(*activation, 0x13), "LUT_START+3");
  EXPECT_EQ(describe_enum_value(*activation, 0x17), "LUT_END");
  EXPECT_EQ(describe_enum_value(*activation, 0x18), std::nullopt);
  EXPECT_EQ(describe_enum_value(*activation, 1), std::nullopt);
}

TEST(NpuCommandTables, FindCommandRejectsUnknownOpcodes) {
  EXPECT_EQ(find_command(CommandKind::kCmd0, 0x004), nullptr);
  EXPECT_EQ(find_command(CommandKind::kCmd1, 0x007), nullptr);
  EXPECT_EQ(find_command(CommandKind::kCmd0, 0x400), nullptr);
  EXPECT_EQ(find_command("NPU_SET_NOTHING"), nullptr);
  EXPECT_THROW(command_info(static_cast<Opcode>(0x0004)), Error);
}

}  // namespace
}  // namespace euc::npu
