// Package scoring decides a candidate's two-year rolling result of the
// health qualification exams (成绩滚动管理): from the candidate's records
// of several exam years, Evaluate says which subject passes count for the
// specialty sat in the exam year being decided, whether the exam is passed
// (考试合格, the specialty's certificate may be issued), and otherwise which
// subjects remain and until which exam year the passes already earned
// count. Every record or pass that does not count is listed with its
// reason in Chinese and the clause of the notice; a trace lists every step.
//
// The package is pure: no I/O, no clock, no randomness; the same input
// gives the same result whatever the order of the records. Every parameter
// is data of the exam year, given in Input: the pass line and full marks
// (60 of 100), the window (2 exam years) and the removed specialties with
// the codes they were merged into (the catalogue's merged_into). Evaluate
// returns an error only for invalid input, an EINVALID *kaowu.Error naming
// each bad record.
//
// # Rules
//
// A subject is passed when it was sat and its score reaches the pass line
// (Passed); the pass flag of the input is recomputed, not trusted. A
// subject listed as not sat is missed (缺考) and not passed; a year marked
// Absent had no subject sat.
//
// 七: "卫生专业技术资格考试相关专业科目成绩实行两年为一个周期的滚动管理办法，在连续两个考试年度内通过同一专业 4 个科目的考试，可取得该专业资格证书。"
// For exam year Y the passes of the Window exam years Y-Window+1 … Y
// count (Y and Y-1 for a window of 2); older records never count
// (ExcludedExpired). A pass of year P thus counts through exam year
// P+Window-1 (Pass.ValidUntil). The exam is passed when each of the four
// subjects has a counted pass (Result.Passed). Otherwise Result.Remaining
// lists the subjects without one, Result.CarryUntil is the last exam year
// in which all the counted passes still count, and Result.NextRemaining
// the subjects to pass when sitting the specialty again in Y+1. Of several
// counted passes of one subject the latest counts (it counts longest), then
// the highest score.
//
// 七: "不同专业（含主亚专业）之间各科目的考试合格成绩，不得作为同一专业合并计算。"
// Passes combine only within one specialty code: records of another code
// do not count (ExcludedOtherSpecialty), a main specialty and its
// sub-specialties included (303 内科学 and 304 心血管内科学 are two
// specialties).
//
// 一（十）: "2023年报考中医护理学（初级师、中级，原专业代码分别为 204、374）、结核病学、职业病学、计划生育、职业卫生（中级，原专业代码分别为 311、314、360、363）专业类别的人员通过部分科目的，在2024年报考其执业范围内的相关专业时，保留2023 年通过科目成绩进行滚动管理，两年内通过四个科目的为考试合格，予以发放2024年报考专业的资格证书。"
// A record of year Y-1 in a specialty removed from the catalogue of Y (a
// key of Input.Merged) counts for the specialty sat in Y when the removed
// specialty was merged into it (Pass.Merged). A specialty merged into
// several (计划生育 360 into 妇产科学 325 and 泌尿外科学 321) counts for
// whichever of them the candidate sits, within their practice scope; for
// any other it does not (ExcludedMergedElsewhere). Only the year before
// is kept (ExcludedMergedYear, possible with a window over 2). A record
// of a removed specialty in year Y itself is invalid input, as is Y's
// specialty being a removed one.
//
// 七: "已参加卫生专业技术资格部分专业考试的人员，在规定的时限内报名参加剩余科目考试时须使用原档案号。"
// When the record of Y in the specialty sat and an earlier record both
// have an archive number (compared after kaowu.NormalizeArchiveNo) and the
// numbers differ, the earlier record does not count (ExcludedArchiveNo).
// Records of another province are exempt: they carry that province's
// number.
//
// 七: "对单科考试合格成绩在有效期限内，因工作变动等原因，到外省参加本专业剩余科目考试并合格的，由调入地进行数据合成统计，并由当地人力社保部门核发该专业资格证书。"
// Records with Province set (results earned in another province) count
// like this region's, in the same specialty and window; a note says the
// results are combined where the candidate moved to.
//
// A year of misconduct (违纪) counts for nothing (ExcludedMisconduct), and
// a year missed entirely counts for nothing (ExcludedAbsent); the notice
// does not spell these out, so they cite 七, the clause of the results.
// Certificates are issued by the human-resources bureau (八) and scores are
// published and looked up by ticket and ID number (六); neither is decided
// here.
package scoring
