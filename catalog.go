package kaowu

import "strconv"

// Level is the level of a specialty: 初级（士）, 初级（师） or 中级.
type Level string

// The three levels; their codes are 1xx, 2xx and 3xx.
const (
	LevelAssistant    Level = "assistant"
	LevelJunior       Level = "junior"
	LevelIntermediate Level = "intermediate"
)

// Levels lists the levels in ascending order.
var Levels = []Level{LevelAssistant, LevelJunior, LevelIntermediate}

// Label returns the Chinese name of the level.
func (l Level) Label() string {
	switch l {
	case LevelAssistant:
		return "初级（士）"
	case LevelJunior:
		return "初级（师）"
	case LevelIntermediate:
		return "中级"
	}
	return string(l)
}

// Valid reports whether l is one of the three levels.
func (l Level) Valid() bool {
	return l == LevelAssistant || l == LevelJunior || l == LevelIntermediate
}

// LevelOfCode returns the level implied by a specialty code's first digit.
func LevelOfCode(code string) (Level, bool) {
	if len(code) != 3 {
		return "", false
	}
	switch code[0] {
	case '1':
		return LevelAssistant, true
	case '2':
		return LevelJunior, true
	case '3':
		return LevelIntermediate, true
	}
	return "", false
}

// Mode is how a specialty is examined.
type Mode string

// The two modes: 纸笔作答 and 人机对话.
const (
	ModePaper Mode = "paper"
	ModeCBT   Mode = "cbt"
)

// Label returns the Chinese name of the mode.
func (m Mode) Label() string {
	switch m {
	case ModePaper:
		return "纸笔作答"
	case ModeCBT:
		return "人机对话"
	}
	return string(m)
}

// Licence is the practice licence a specialty requires (一（七）).
type Licence string

// Licences: none, the physician qualification, the nurse practice certificate.
const (
	LicenceNone      Licence = "none"
	LicencePhysician Licence = "physician"
	LicenceNurse     Licence = "nurse"
)

// Label returns the Chinese name of the licence.
func (l Licence) Label() string {
	switch l {
	case LicenceNone:
		return "无"
	case LicencePhysician:
		return "执业医师资格"
	case LicenceNurse:
		return "护士执业证书"
	}
	return string(l)
}

// Subject is one of the four subjects every specialty has.
type Subject string

// The four subjects.
const (
	SubjectBasics       Subject = "basics"
	SubjectRelated      Subject = "related"
	SubjectProfessional Subject = "professional"
	SubjectPractice     Subject = "practice"
)

// Subjects lists the four subjects in exam order.
var Subjects = []Subject{SubjectBasics, SubjectRelated, SubjectProfessional, SubjectPractice}

// Label returns the Chinese name of the subject.
func (s Subject) Label() string {
	switch s {
	case SubjectBasics:
		return "基础知识"
	case SubjectRelated:
		return "相关专业知识"
	case SubjectProfessional:
		return "专业知识"
	case SubjectPractice:
		return "专业实践能力"
	}
	return string(s)
}

// SpecialtyStatus says whether a specialty is offered in the exam year.
type SpecialtyStatus string

// A specialty is active, or removed (取消) with what it merged into.
const (
	SpecialtyActive  SpecialtyStatus = "active"
	SpecialtyRemoved SpecialtyStatus = "removed"
)

// Specialty is one row of the specialty catalogue (专业目录, 附件2).
type Specialty struct {
	Code       string          `yaml:"code" json:"code"`
	Name       string          `yaml:"name" json:"name"`
	Level      Level           `yaml:"level" json:"level"`
	Mode       Mode            `yaml:"mode" json:"mode"`
	Licence    Licence         `yaml:"licence" json:"licence"`
	Status     SpecialtyStatus `yaml:"status" json:"status"`
	MergedInto []string        `yaml:"merged_into,omitempty" json:"merged_into,omitempty"`
	Verified   bool            `yaml:"verified" json:"verified"`
	Source     string          `yaml:"source" json:"source"`
}

// Number returns the numeric value of the code, or -1 when it is not a
// number.
func (s Specialty) Number() int {
	n, err := strconv.Atoi(s.Code)
	if err != nil {
		return -1
	}
	return n
}

// Active reports whether the specialty is offered in the exam year.
func (s Specialty) Active() bool { return s.Status == SpecialtyActive }
