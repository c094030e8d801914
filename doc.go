// Package kaowu is the domain vocabulary of the health qualification exam
// system: exam-year concepts (specialties, levels, subjects, windows),
// the people and organisations involved (candidates, units, staff roles),
// the application error type and the clock.
//
// It imports nothing of the project. Names follow ../shared/glossary.md.
package kaowu

import _ "time/tzdata" // Asia/Shanghai must load on machines without zoneinfo.
