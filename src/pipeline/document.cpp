#include "pipeline/document.h"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdlib>
#include <functional>
#include <set>
#include <sstream>

#include "core/file_io.h"
#include "core/sha256.h"
#include "pipeline/presets.h"

namespace atlas::pipeline {
namespace {

// Hostile documents are refused before the YAML parser sees them.
constexpr std::size_t kMaxDocumentBytes = 1 << 20;
constexpr std::size_t kMaxNodes = 1000;

SourceMark mark_of(const YAML::Node& node) {
  const YAML::Mark mark = node.Mark();
  if (mark.line < 0) return {};
  return {mark.line + 1, mark.column + 1};
}

std::string where(const std::string& source, SourceMark mark) {
  if (mark.line == 0) return source + ": ";
  return source + ":" + std::to_string(mark.line) + ":" + std::to_string(mark.column) + ": ";
}

std::string type_name(YAML::NodeType::value type) {
  switch (type) {
    case YAML::NodeType::Map:
      return "a mapping";
    case YAML::NodeType::Sequence:
      return "a list";
    case YAML::NodeType::Scalar:
      return "a scalar";
    default:
      return "nothing";
  }
}

class Parser {
 public:
  explicit Parser(std::string source) : source_(std::move(source)) {}

  Result<PipelineDocument> parse(const std::string& text) {
    if (text.size() > kMaxDocumentBytes) return make_error(source_ + ": larger than 1 MB");
    YAML::Node root;
    try {
      root = YAML::Load(text);
    } catch (const YAML::Exception& error) {
      return make_error(where(source_, {error.mark.line + 1, error.mark.column + 1}) + error.msg);
    }
    PipelineDocument document;
    document.source_name = source_;
    document.sha256 =
        sha256_hex(ByteView(reinterpret_cast<const std::uint8_t*>(text.data()), text.size()));
    if (!root.IsMap()) return make_error(source_ + ": a pipeline document is a mapping");
    try {
      read(root, document);
    } catch (const YAML::Exception& error) {
      fail(mark_of(root), error.msg);
    }
    if (!errors_.empty()) return make_error(join(errors_));
    return document;
  }

 private:
  void fail(SourceMark mark, const std::string& problem) {
    errors_.push_back(where(source_, mark) + problem);
  }

  bool expect(const YAML::Node& node, YAML::NodeType::value type, const std::string& what) {
    if (node.Type() == type) return true;
    fail(mark_of(node), what + " must be " + type_name(type) + ", not " + type_name(node.Type()));
    return false;
  }

  PortRef reference(const YAML::Node& node) {
    PortRef ref;
    ref.mark = mark_of(node);
    const std::string text = node.Scalar();
    const std::size_t dot = text.find('.');
    ref.node = text.substr(0, dot);
    if (dot != std::string::npos) ref.port = text.substr(dot + 1);
    return ref;
  }

  RawParam param(const YAML::Node& node, const std::string& what) {
    RawParam raw;
    raw.mark = mark_of(node);
    if (node.IsSequence()) {
      raw.is_list = true;
      for (const YAML::Node& item : node) {
        if (expect(item, YAML::NodeType::Scalar, what + "'s items"))
          raw.list.push_back(item.Scalar());
      }
    } else if (expect(node, YAML::NodeType::Scalar, what)) {
      raw.scalar = node.Scalar();
    }
    return raw;
  }

  void read(const YAML::Node& root, PipelineDocument& document) {
    static const std::set<std::string> kKeys = {"pipeline", "description", "version", "inputs",
                                                "nodes",    "outputs",     "settings"};
    for (const auto& entry : root) {
      const std::string key = entry.first.Scalar();
      if (!kKeys.count(key)) fail(mark_of(entry.first), "unknown key '" + key + "'");
    }
    if (const YAML::Node name = root["pipeline"];
        name && expect(name, YAML::NodeType::Scalar, "pipeline"))
      document.name = name.Scalar();
    else if (!name)
      fail(mark_of(root), "missing 'pipeline' (the pipeline's name)");
    if (const YAML::Node text = root["description"];
        text && expect(text, YAML::NodeType::Scalar, "description"))
      document.description = text.Scalar();

    if (const YAML::Node inputs = root["inputs"];
        inputs && expect(inputs, YAML::NodeType::Map, "inputs")) {
      for (const auto& entry : inputs) {
        PipelineInput input;
        input.name = entry.first.Scalar();
        input.mark = mark_of(entry.first);
        const std::optional<ValueType> type =
            entry.second.IsScalar() ? parse_value_type(entry.second.Scalar()) : std::nullopt;
        if (type != ValueType::File)
          fail(mark_of(entry.second), "input '" + input.name + "': the type must be 'file'");
        document.inputs.push_back(input);
      }
    }

    const YAML::Node nodes = root["nodes"];
    if (!nodes) fail(mark_of(root), "missing 'nodes'");
    if (nodes && expect(nodes, YAML::NodeType::Map, "nodes")) {
      if (nodes.size() > kMaxNodes) {
        fail(mark_of(nodes), "more than " + std::to_string(kMaxNodes) + " nodes");
        return;
      }
      for (const auto& entry : nodes) read_node(entry.first, entry.second, document);
    }

    if (const YAML::Node outputs = root["outputs"];
        outputs && expect(outputs, YAML::NodeType::Map, "outputs")) {
      for (const auto& entry : outputs) {
        if (!expect(entry.second, YAML::NodeType::Scalar, "output '" + entry.first.Scalar() + "'"))
          continue;
        document.outputs.push_back({entry.first.Scalar(), reference(entry.second)});
      }
    }

    if (const YAML::Node settings = root["settings"];
        settings && expect(settings, YAML::NodeType::Map, "settings")) {
      std::set<std::string> names;
      for (const auto& entry : settings) {
        // yaml-cpp keeps a mapping's repeated keys, so a second declaration is caught here.
        if (!names.insert(entry.first.Scalar()).second)
          fail(mark_of(entry.first), "setting '" + entry.first.Scalar() + "' is declared twice");
        else
          read_setting(entry.first, entry.second, document);
      }
    }
  }

  void read_setting(const YAML::Node& key, const YAML::Node& body, PipelineDocument& document) {
    SettingDecl setting;
    setting.name = key.Scalar();
    setting.mark = mark_of(key);
    const std::string what = "setting '" + setting.name + "'";
    // `--set NAME=value` tells a setting from node.param by the dot, and ends NAME at '='.
    if (setting.name.empty() || setting.name.find_first_of(".= \t") != std::string::npos) {
      fail(setting.mark, what + ": a setting's name has no '.', '=' or spaces");
      return;
    }
    if (!expect(body, YAML::NodeType::Map, what)) return;
    bool has_sets = false;
    for (const auto& entry : body) {
      const std::string field = entry.first.Scalar();
      const YAML::Node& value = entry.second;
      if (field == "doc") {
        if (expect(value, YAML::NodeType::Scalar, what + ": doc")) setting.doc = value.Scalar();
      } else if (field == "sets") {
        has_sets = true;
        if (!expect(value, YAML::NodeType::Sequence, what + ": sets")) continue;
        if (value.size() == 0)
          fail(mark_of(value), what + ": 'sets' is empty (name at least one node.param)");
        for (const YAML::Node& item : value) read_target(item, what, setting);
      } else {
        fail(mark_of(entry.first), what + ": unknown field '" + field + "' (doc, sets)");
      }
    }
    if (!has_sets) fail(setting.mark, what + ": missing 'sets' (the node.param it sets)");
    document.settings.push_back(std::move(setting));
  }

  void read_target(const YAML::Node& item, const std::string& what, SettingDecl& setting) {
    if (!expect(item, YAML::NodeType::Scalar, what + ": sets' items")) return;
    const std::string text = item.Scalar();
    const std::size_t dot = text.find('.');
    if (dot == 0 || dot == std::string::npos || dot + 1 == text.size() ||
        text.find('.', dot + 1) != std::string::npos) {
      fail(mark_of(item), what + ": '" + text + "' is not of the form node.param");
      return;
    }
    SettingTarget target{text.substr(0, dot), text.substr(dot + 1), mark_of(item)};
    for (const SettingTarget& other : setting.targets) {
      if (other.node == target.node && other.param == target.param) {
        fail(target.mark, what + ": sets " + text + " twice");
        return;
      }
    }
    setting.targets.push_back(std::move(target));
  }

  void read_node(const YAML::Node& key, const YAML::Node& body, PipelineDocument& document) {
    NodeDecl node;
    node.name = key.Scalar();
    node.mark = mark_of(key);
    const std::string what = "node '" + node.name + "'";
    if (!expect(body, YAML::NodeType::Map, what)) return;
    for (const auto& entry : body) {
      const std::string field = entry.first.Scalar();
      const YAML::Node& value = entry.second;
      if (field == "op") {
        if (expect(value, YAML::NodeType::Scalar, what + ": op")) node.op = value.Scalar();
      } else if (field == "inputs") {
        if (!expect(value, YAML::NodeType::Map, what + ": inputs")) continue;
        for (const auto& input : value) {
          if (expect(input.second, YAML::NodeType::Scalar,
                     what + ": input '" + input.first.Scalar() + "'"))
            node.inputs[input.first.Scalar()] = reference(input.second);
        }
      } else if (field == "params") {
        if (!expect(value, YAML::NodeType::Map, what + ": params")) continue;
        for (const auto& item : value) {
          const std::string name = item.first.Scalar();
          node.params[name] = param(item.second, what + ": param '" + name + "'");
        }
      } else {
        fail(mark_of(entry.first), what + ": unknown field '" + field + "' (op, inputs, params)");
      }
    }
    if (node.op.empty()) fail(node.mark, what + ": missing 'op'");
    document.nodes.push_back(std::move(node));
  }

  static std::string join(const std::vector<std::string>& lines) {
    std::string text;
    for (const std::string& line : lines) text += (text.empty() ? "" : "\n") + line;
    return text;
  }

  std::string source_;
  std::vector<std::string> errors_;
};

bool parse_number(const std::string& text, double& out) {
  if (text.empty()) return false;
  char* end = nullptr;
  out = std::strtod(text.c_str(), &end);
  return end == text.c_str() + text.size() && std::isfinite(out);
}

std::string trim(std::string text) {
  const auto first = text.find_first_not_of(" \t");
  const auto last = text.find_last_not_of(" \t");
  return first == std::string::npos ? "" : text.substr(first, last - first + 1);
}

// Converts a written parameter to its declared type; the error says what was expected.
Result<ParamValue> typed_param(const RawParam& raw, const ParamSpec& spec) {
  const auto in_range = [&](double value) { return value >= spec.min && value <= spec.max; };
  const auto range_text = [&] {
    std::ostringstream text;
    text << "between " << spec.min << " and " << spec.max;
    return text.str();
  };
  if (spec.type == ParamType::Numbers) {
    std::vector<std::string> items = raw.list;
    if (!raw.is_list) {  // "1,0.5" or "[1, 0.5]" from the command line
      std::string text = trim(raw.scalar);
      if (text.size() >= 2 && text.front() == '[' && text.back() == ']')
        text = text.substr(1, text.size() - 2);
      std::stringstream stream(text);
      for (std::string item; std::getline(stream, item, ',');) items.push_back(trim(item));
    }
    std::vector<double> numbers;
    for (const std::string& item : items) {
      double value = 0;
      if (!parse_number(item, value)) return make_error("'" + item + "' is not a number");
      if (!in_range(value)) return make_error("each value must be " + range_text());
      numbers.push_back(value);
    }
    if (numbers.empty()) return make_error("needs at least one number");
    return ParamValue{numbers};
  }
  if (raw.is_list) return make_error("takes one value, not a list");
  const std::string& text = raw.scalar;
  switch (spec.type) {
    case ParamType::Bool:
      if (text == "true") return ParamValue{true};
      if (text == "false") return ParamValue{false};
      return make_error("must be true or false, not '" + text + "'");
    case ParamType::Integer: {
      std::int64_t value = 0;
      const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
      if (error != std::errc() || end != text.data() + text.size() || text.empty())
        return make_error("must be an integer, not '" + text + "'");
      if (!in_range(double(value))) return make_error("must be " + range_text() + ", not " + text);
      return ParamValue{value};
    }
    case ParamType::Number: {
      double value = 0;
      if (!parse_number(text, value)) return make_error("must be a number, not '" + text + "'");
      if (!in_range(value)) return make_error("must be " + range_text() + ", not " + text);
      return ParamValue{value};
    }
    case ParamType::Text:
      if (!spec.choices.empty() &&
          std::find(spec.choices.begin(), spec.choices.end(), text) == spec.choices.end()) {
        std::string choices;
        for (const std::string& choice : spec.choices)
          choices += (choices.empty() ? "" : ", ") + choice;
        return make_error("must be one of " + choices + ", not '" + text + "'");
      }
      return ParamValue{text};
    case ParamType::Numbers:
      break;
  }
  return make_error("unsupported parameter type");
}

const PortSpec* find_port(const std::vector<PortSpec>& ports, const std::string& name) {
  for (const PortSpec& port : ports)
    if (port.name == name) return &port;
  return nullptr;
}

std::string port_names(const std::vector<PortSpec>& ports) {
  std::string names;
  for (const PortSpec& port : ports) names += (names.empty() ? "" : ", ") + port.name;
  return names.empty() ? "none" : names;
}

class Checker {
 public:
  explicit Checker(PipelineDocument document) { pipeline_.document = std::move(document); }

  Result<Pipeline> check() {
    const PipelineDocument& document = pipeline_.document;
    std::map<std::string, int> inputs;
    for (std::size_t i = 0; i < document.inputs.size(); ++i) {
      if (!inputs.emplace(document.inputs[i].name, int(i)).second)
        fail(document.inputs[i].mark, "input '" + document.inputs[i].name + "' is declared twice");
    }
    for (std::size_t i = 0; i < document.nodes.size(); ++i) {
      const NodeDecl& node = document.nodes[i];
      if (inputs.count(node.name))
        fail(node.mark, "node '" + node.name + "': a pipeline input has the same name");
      if (!nodes_.emplace(node.name, int(i)).second)
        fail(node.mark, "node '" + node.name + "' is declared twice");
    }
    const std::size_t count = document.nodes.size();
    pipeline_.ops.resize(count, nullptr);
    pipeline_.params.resize(count);
    pipeline_.inputs.resize(count);
    for (std::size_t i = 0; i < count; ++i) check_node(int(i), inputs);
    for (const SettingDecl& setting : document.settings) check_setting(setting);
    if (errors_.empty()) sort_topologically();
    for (const PipelineOutput& output : document.outputs) check_output(output, inputs);
    if (document.outputs.empty()) fail({}, "declares no outputs (nothing would be written)");
    if (!errors_.empty()) {
      // In the order they appear in the file, as a compiler lists them.
      std::stable_sort(errors_.begin(), errors_.end(), [](const auto& a, const auto& b) {
        return std::pair(a.first.line, a.first.column) < std::pair(b.first.line, b.first.column);
      });
      std::string text;
      for (const auto& [mark, line] : errors_) text += (text.empty() ? "" : "\n") + line;
      return make_error(text);
    }
    return std::move(pipeline_);
  }

 private:
  void fail(SourceMark mark, const std::string& problem) {
    errors_.emplace_back(mark, where(pipeline_.document.source_name, mark) + problem);
  }

  // Resolves a reference to a pipeline input or a node's output port.
  std::optional<Edge> resolve(const PortRef& ref, const std::map<std::string, int>& inputs,
                              const std::string& what) {
    Edge edge;
    if (const auto input = inputs.find(ref.node); input != inputs.end()) {
      if (!ref.port.empty()) {
        fail(ref.mark, what + ": pipeline input '" + ref.node + "' has no ports");
        return std::nullopt;
      }
      edge.input = input->second;
      edge.type = pipeline_.document.inputs[input->second].type;
      return edge;
    }
    const auto node = nodes_.find(ref.node);
    if (node == nodes_.end()) {
      fail(ref.mark, what + ": '" + ref.node + "' is neither a node nor a pipeline input");
      return std::nullopt;
    }
    edge.node = node->second;
    const OpSpec* op = find_op(pipeline_.document.nodes[node->second].op);
    if (!op) return std::nullopt;  // reported on that node
    const PortSpec* port = ref.port.empty() ? (op->outputs.empty() ? nullptr : &op->outputs[0])
                                            : find_port(op->outputs, ref.port);
    if (!port) {
      fail(ref.mark, what + ": node '" + ref.node + "' (" + op->name + ") has no output '" +
                         ref.port + "' (outputs: " + port_names(op->outputs) + ")");
      return std::nullopt;
    }
    edge.port = port->name;
    edge.type = port->type;
    return edge;
  }

  void check_node(int index, const std::map<std::string, int>& inputs) {
    const NodeDecl& node = pipeline_.document.nodes[index];
    const std::string what = "node '" + node.name + "'";
    const OpSpec* op = find_op(node.op);
    if (!op) {
      fail(node.mark, what + ": unknown op '" + node.op + "' (`atlas ops` lists them)");
      return;
    }
    pipeline_.ops[index] = op;
    Params& params = pipeline_.params[index];
    for (const ParamSpec& spec : op->params) params[spec.name] = spec.default_value;
    for (const auto& [name, raw] : node.params) {
      const auto spec = std::find_if(op->params.begin(), op->params.end(),
                                     [&](const ParamSpec& p) { return p.name == name; });
      if (spec == op->params.end()) {
        std::string known;
        for (const ParamSpec& p : op->params) known += (known.empty() ? "" : ", ") + p.name;
        fail(raw.mark, what + ": " + op->name + " has no param '" + name +
                           "' (params: " + (known.empty() ? "none" : known) + ")");
        continue;
      }
      Result<ParamValue> value = typed_param(raw, *spec);
      if (!value) {
        fail(raw.mark, what + ": param '" + name + "' " + value.error().message);
        untyped_.insert({index, name});
      } else {
        params[name] = std::move(*value);
      }
    }
    for (const auto& [port_name, ref] : node.inputs) {
      const PortSpec* port = find_port(op->inputs, port_name);
      if (!port) {
        fail(ref.mark, what + ": " + op->name + " has no input '" + port_name +
                           "' (inputs: " + port_names(op->inputs) + ")");
        continue;
      }
      std::optional<Edge> edge = resolve(ref, inputs, what + ": input '" + port_name + "'");
      if (!edge) continue;
      if (!may_connect(edge->type, port->type)) {
        fail(ref.mark, what + ": input '" + port_name + "' wants " + to_string(port->type) +
                           ", but '" + ref.node + (edge->port.empty() ? "" : "." + edge->port) +
                           "' gives " + to_string(edge->type));
        continue;
      }
      pipeline_.inputs[index][port_name] = *edge;
    }
    for (const PortSpec& port : op->inputs) {
      if (!port.optional && !node.inputs.count(port.name))
        fail(node.mark,
             what + ": missing input '" + port.name + "' (" + to_string(port.type) + ")");
    }
  }

  // The targets must exist, share one type and, overrides applied, hold one value: the
  // setting's value.
  void check_setting(const SettingDecl& decl) {
    const std::string what = "setting '" + decl.name + "'";
    Setting setting{.name = decl.name, .doc = decl.doc, .spec = {}, .targets = decl.targets};
    setting.spec.name = decl.name;
    setting.spec.doc = decl.doc;
    bool complete = !decl.targets.empty();
    bool apart = false;
    const SettingTarget* first = nullptr;
    for (const SettingTarget& target : decl.targets) {
      const std::string name = target.node + "." + target.param;
      const auto node = nodes_.find(target.node);
      if (node == nodes_.end()) {
        fail(target.mark, what + ": sets " + name + ", but there is no node '" + target.node + "'");
        complete = false;
        continue;
      }
      const OpSpec* op = pipeline_.ops[node->second];
      if (!op) {  // reported on that node
        complete = false;
        continue;
      }
      const auto spec = std::find_if(op->params.begin(), op->params.end(),
                                     [&](const ParamSpec& p) { return p.name == target.param; });
      if (spec == op->params.end()) {
        fail(target.mark, what + ": sets " + name + ", but " + op->name + " has no param '" +
                              target.param + "'");
        complete = false;
        continue;
      }
      if (untyped_.count({node->second, target.param})) {  // reported on that node
        complete = false;
        continue;
      }
      const ParamValue& value = pipeline_.params[node->second].at(target.param);
      if (!first) {
        first = &target;
        setting.spec.type = spec->type;
        setting.spec.default_value = value;
        setting.spec.min = spec->min;
        setting.spec.max = spec->max;
        setting.spec.choices = spec->choices;
        continue;
      }
      const std::string first_name = first->node + "." + first->param;
      if (spec->type != setting.spec.type) {
        fail(target.mark, what + ": " + first_name + " takes " + to_string(setting.spec.type) +
                              " but " + name + " takes " + to_string(spec->type));
        complete = false;
        continue;
      }
      if (!apart && value != setting.spec.default_value) {  // the first pair apart is enough
        fail(decl.mark, what + ": " + first_name + " is " + param_text(setting.spec.default_value) +
                            " but " + name + " is " + param_text(value));
        apart = true;
        complete = false;
      }
      setting.spec.min = std::max(setting.spec.min, spec->min);
      setting.spec.max = std::min(setting.spec.max, spec->max);
      if (setting.spec.choices.empty()) {
        setting.spec.choices = spec->choices;
      } else if (!spec->choices.empty()) {
        std::erase_if(setting.spec.choices, [&](const std::string& choice) {
          return std::find(spec->choices.begin(), spec->choices.end(), choice) ==
                 spec->choices.end();
        });
      }
    }
    if (complete) pipeline_.settings.push_back(std::move(setting));
  }

  // Kahn's algorithm, taking ready nodes in document order; what is left is a cycle.
  void sort_topologically() {
    const std::size_t count = pipeline_.document.nodes.size();
    std::vector<int> waiting(count, 0);
    std::vector<std::vector<int>> consumers(count);
    for (std::size_t i = 0; i < count; ++i) {
      std::set<int> sources;
      for (const auto& [port, edge] : pipeline_.inputs[i])
        if (edge.node >= 0) sources.insert(edge.node);
      waiting[i] = int(sources.size());
      for (int source : sources) consumers[source].push_back(int(i));
    }
    std::set<int> ready;
    for (std::size_t i = 0; i < count; ++i)
      if (waiting[i] == 0) ready.insert(int(i));
    while (!ready.empty()) {
      const int node = *ready.begin();
      ready.erase(ready.begin());
      pipeline_.order.push_back(node);
      for (int consumer : consumers[node])
        if (--waiting[consumer] == 0) ready.insert(consumer);
    }
    if (pipeline_.order.size() == count) return;
    std::string cycle;
    for (std::size_t i = 0; i < count; ++i)
      if (waiting[i] > 0) cycle += (cycle.empty() ? "" : ", ") + pipeline_.document.nodes[i].name;
    const auto first = std::find_if(waiting.begin(), waiting.end(), [](int w) { return w > 0; });
    fail(pipeline_.document.nodes[first - waiting.begin()].mark,
         "the nodes " + cycle + " form a cycle (or depend on one)");
  }

  void check_output(const PipelineOutput& output, const std::map<std::string, int>& inputs) {
    std::optional<Edge> edge = resolve(output.from, inputs, "output '" + output.name + "'");
    if (!edge) return;
    if (edge->type != ValueType::Files && edge->type != ValueType::Report &&
        edge->type != ValueType::Image) {
      fail(output.from.mark, "output '" + output.name + "': only files, report and image " +
                                 "values can be written, not " + to_string(edge->type));
      return;
    }
    pipeline_.outputs.push_back(*edge);
  }

  Pipeline pipeline_;
  std::map<std::string, int> nodes_;
  std::set<std::pair<int, std::string>> untyped_;  // node, param: reported, left at default
  std::vector<std::pair<SourceMark, std::string>> errors_;
};

std::string edge_source(const Pipeline& pipeline, const Edge& edge) {
  if (edge.node < 0) return pipeline.document.inputs[edge.input].name;
  return pipeline.document.nodes[edge.node].name + "." + edge.port;
}

}  // namespace

Result<PipelineDocument> parse_pipeline(const std::string& text, const std::string& source_name) {
  return Parser(source_name).parse(text);
}

Status apply_override(PipelineDocument& document, const std::string& assignment) {
  const std::size_t equals = assignment.find('=');
  if (equals == std::string::npos || equals == 0)
    return make_error("--set " + assignment + ": expected node.param=value or setting=value");
  const std::string name = assignment.substr(0, equals);
  RawParam raw;
  raw.scalar = trim(assignment.substr(equals + 1));
  const std::size_t dot = name.find('.');
  if (dot == std::string::npos) {
    const auto setting =
        std::find_if(document.settings.begin(), document.settings.end(),
                     [&](const SettingDecl& declared) { return declared.name == name; });
    if (setting == document.settings.end()) {
      std::string known;
      for (const SettingDecl& declared : document.settings)
        known += (known.empty() ? "" : ", ") + declared.name;
      return make_error("--set " + assignment + ": no setting named '" + name + "' in pipeline '" +
                        document.name + "' (" +
                        (known.empty() ? "it has no settings" : "its settings: " + known) + ")");
    }
    // A target naming no node is reported by the check, with the setting's line.
    for (const SettingTarget& target : setting->targets) {
      for (NodeDecl& node : document.nodes)
        if (node.name == target.node) node.params[target.param] = raw;
    }
    return Ok{};
  }
  const std::string node_name = name.substr(0, dot);
  for (NodeDecl& node : document.nodes) {
    if (node.name != node_name) continue;
    node.params[name.substr(dot + 1)] = raw;
    return Ok{};
  }
  return make_error("--set " + assignment + ": the pipeline has no node '" + node_name + "'");
}

Result<Pipeline> check_pipeline(PipelineDocument document) {
  return Checker(std::move(document)).check();
}

std::string describe_pipeline(const Pipeline& pipeline) {
  const PipelineDocument& document = pipeline.document;
  std::ostringstream out;
  out << "pipeline " << document.name << " (" << document.source_name << ")\n";
  if (!document.description.empty()) out << "  " << document.description << "\n";
  for (const PipelineInput& input : document.inputs)
    out << "  input  " << input.name << ": " << to_string(input.type) << "\n";
  for (const Setting& setting : pipeline.settings) {
    out << "  setting " << setting.name << " = " << param_text(setting.spec.default_value) << " ->";
    for (std::size_t i = 0; i < setting.targets.size(); ++i)
      out << (i ? ", " : " ") << setting.targets[i].node << "." << setting.targets[i].param;
    if (!setting.doc.empty()) out << "  (" << setting.doc << ")";
    out << "\n";
  }
  for (int index : pipeline.order) {
    const OpSpec& op = *pipeline.ops[index];
    out << "  node   " << document.nodes[index].name << " = " << op.name << "(";
    bool first = true;
    for (const auto& [port, edge] : pipeline.inputs[index]) {
      out << (first ? "" : ", ") << port << ": " << edge_source(pipeline, edge);
      first = false;
    }
    out << ")";
    for (const ParamSpec& spec : op.params) {
      const ParamValue& value = pipeline.params[index].at(spec.name);
      if (value != spec.default_value) out << " " << spec.name << "=" << param_text(value);
    }
    out << "\n";
  }
  for (std::size_t i = 0; i < pipeline.outputs.size(); ++i)
    out << "  output " << document.outputs[i].name << " <- "
        << edge_source(pipeline, pipeline.outputs[i]) << "\n";
  return out.str();
}

std::string pipeline_dot(const Pipeline& pipeline) {
  const PipelineDocument& document = pipeline.document;
  std::ostringstream out;
  out << "digraph \"" << document.name << "\" {\n  rankdir=LR;\n  node [shape=box];\n";
  for (const PipelineInput& input : document.inputs)
    out << "  \"" << input.name << "\" [shape=ellipse];\n";
  for (int index : pipeline.order) {
    const NodeDecl& node = document.nodes[index];
    out << "  \"" << node.name << "\" [label=\"" << node.name << "\\n" << node.op << "\"];\n";
    for (const auto& [port, edge] : pipeline.inputs[index]) {
      const std::string from =
          edge.node < 0 ? document.inputs[edge.input].name : document.nodes[edge.node].name;
      out << "  \"" << from << "\" -> \"" << node.name << "\" [label=\"" << port << "\"];\n";
    }
  }
  for (std::size_t i = 0; i < pipeline.outputs.size(); ++i) {
    const Edge& edge = pipeline.outputs[i];
    out << "  \"out:" << document.outputs[i].name << "\" [shape=note, label=\""
        << document.outputs[i].name << "\"];\n";
    out << "  \""
        << (edge.node < 0 ? document.inputs[edge.input].name : document.nodes[edge.node].name)
        << "\" -> \"out:" << document.outputs[i].name << "\";\n";
  }
  out << "}\n";
  return out.str();
}

Result<Pipeline> load_pipeline(const std::string& name_or_path,
                               const std::vector<std::string>& overrides) {
  std::string text;
  std::string source = name_or_path;
  if (const std::string* preset = find_preset(name_or_path)) {
    text = *preset;
    source = "preset " + name_or_path;
  } else {
    Result<Bytes> bytes = read_file(name_or_path);
    if (!bytes)
      return make_error(
          name_or_path +
          ": neither a preset (`atlas presets`) nor a readable file: " + bytes.error().message);
    text.assign(bytes->begin(), bytes->end());
  }
  Result<PipelineDocument> document = parse_pipeline(text, source);
  if (!document) return document.error();
  for (const std::string& assignment : overrides) {
    if (Status applied = apply_override(*document, assignment); !applied) return applied.error();
  }
  return check_pipeline(std::move(*document));
}

}  // namespace atlas::pipeline
