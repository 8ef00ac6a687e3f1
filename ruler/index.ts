// The ruler: Prometheus rule files (recording and alerting rules) evaluated on a schedule
// against the global view, as Thanos Ruler does.
//
//   parseRuleFile(text, file)   → groups, or promtool's errors naming file, group, rule, position
//   parseTemplate / expandAlertTemplate → the Go text/template subset of alert labels and annotations
export { parseRuleFile } from "./rulefile.js";
export type { RuleConfig, RuleGroupConfig, RuleFileResult, PartialResponseStrategy } from "./rulefile.js";
export { parseTemplate, parseAlertTemplate, expandAlertTemplate, TemplateError, humanize, humanize1024, humanizeDuration } from "./template.js";
export type { Template, TemplateContext, TemplateSample } from "./template.js";
//   new Ruler({ files, querier, append, notify, … })  → start() loads the files and runs every group;
//                                reload() (SIGHUP, POST /-/reload, a changed file) keeps the old rules on error;
//                                apiGroups() is /api/v1/rules's data
//   engineQuerier(engine, storeFor) / httpQuerier(urls)  → where rule queries go
//   Notifier                     → Alertmanager v2 (POST /api/v2/alerts), batched, retried, to every URL
export { Ruler, loadRuleFiles, expandGlobs } from "./manager.js";
export type { RulerOptions } from "./manager.js";
export { RuleGroup, groupOffsetMs, evalTimestamp } from "./group.js";
export type { GroupDeps } from "./group.js";
export { engineQuerier, httpQuerier } from "./querier.js";
export { Notifier } from "./notifier.js";
//   RulesDir                     → groups of the Cortex/Mimir ruler config API as rule files in --rules.dir (Ruler.ruleConfig)
export { RulesDir } from "./rulesdir.js";
//   remoteWriteAppender(url)     → the stateless mode's AppendFunc (remote_write, retried)
export { remoteWriteAppender } from "./remotewrite.js";
export type { RemoteWriteOptions } from "./remotewrite.js";
export type { NotifierOptions } from "./notifier.js";
//   parseAlertingConfig(text, source, env) / alertmanagerSetsFromUrls(urls) → the Notifier's Alertmanager clusters
//                                (Thanos's --alertmanagers.config-file format, or --alertmanagers.url)
export { AlertmanagerConfigError, alertmanagerSetsFromUrls, parseAlertingConfig } from "./alertmanagers.js";
export { checkTlsFiles } from "./amclient.js";
export type { AlertmanagerSetConfig, FileSdConfig, HttpClientConfig, TlsClientConfig } from "./alertmanagers.js";
export type { EvaluationQuerier, RuleQuerier, RuleSample, RuleSeries, OutputSample, AppendFunc, NotifyAlert, NotifyFunc, AlertState, Health } from "./types.js";
