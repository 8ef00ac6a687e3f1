// The ruler: Prometheus rule files (recording and alerting rules) evaluated on a schedule
// against the global view, as Thanos Ruler does.
//
//   parseRuleFile(text, file)   → groups, or promtool's errors naming file, group, rule, position
//   parseTemplate / expandAlertTemplate → the Go text/template subset of alert labels and annotations
export { parseRuleFile } from "./rulefile.js";
export type { RuleConfig, RuleGroupConfig, RuleFileResult, PartialResponseStrategy } from "./rulefile.js";
export { parseTemplate, parseAlertTemplate, expandAlertTemplate, TemplateError, humanize, humanize1024, humanizeDuration } from "./template.js";
export type { Template, TemplateContext, TemplateSample } from "./template.js";
