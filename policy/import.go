package policy

import (
	"fmt"
	"strings"

	"kaowu"
)

// catalogColumns maps accepted header names (English or Chinese) to the
// field they fill. docs/catalog-import.md describes the file.
var catalogColumns = map[string]string{
	"code": "code", "专业代码": "code",
	"name": "name", "专业名称": "name",
	"level": "level", "级别": "level",
	"mode": "mode", "考试方式": "mode",
	"licence": "licence", "执业资格要求": "licence",
	"status": "status", "状态": "status",
	"merged_into": "merged_into", "并入专业代码": "merged_into",
	"verified": "verified", "已核实": "verified",
	"source": "source", "来源": "source",
}

var requiredColumns = []string{"code", "name", "level", "mode", "licence", "status"}

// ParseCatalog turns the rows of an official catalogue file (header first)
// into catalogue rows, checks them against each other and against the
// year's licence rules, and returns them only if every row is right;
// otherwise an EINVALID error whose fields name each bad row (第N行, counting
// the header as row 1). source is recorded on rows that give none.
func (y *Year) ParseCatalog(rows [][]string, source string) ([]kaowu.Specialty, error) {
	var p problems
	if len(rows) < 2 {
		p.add("文件", "没有数据行：第一行应为表头（专业代码、专业名称、级别、考试方式、执业资格要求、状态…），其后每行一个专业")
		return nil, p.err("专业目录文件")
	}
	col := map[string]int{}
	for i, h := range rows[0] {
		key, ok := catalogColumns[strings.ToLower(strings.TrimSpace(h))]
		if !ok {
			p.add(fmt.Sprintf("表头第%d列", i+1), "列名“%s”无法识别", h)
			continue
		}
		col[key] = i
	}
	for _, k := range requiredColumns {
		if _, ok := col[k]; !ok {
			p.add("表头", "缺少列 %s", k)
		}
	}
	if err := p.err("专业目录文件"); err != nil {
		return nil, err
	}
	cell := func(r []string, key string) string {
		i, ok := col[key]
		if !ok || i >= len(r) {
			return ""
		}
		return strings.TrimSpace(r[i])
	}
	label := func(i int) string { return fmt.Sprintf("第%d行", i+2) }
	out := make([]kaowu.Specialty, 0, len(rows)-1)
	for i, r := range rows[1:] {
		f := label(i)
		s := kaowu.Specialty{
			Code:   cell(r, "code"),
			Name:   cell(r, "name"),
			Source: cell(r, "source"),
		}
		var ok bool
		if s.Level, ok = parseLevel(cell(r, "level")); !ok {
			p.add(f+".level", "级别“%s”无效：应为 初级（士）、初级（师）或 中级", cell(r, "level"))
		}
		if s.Mode, ok = parseMode(cell(r, "mode")); !ok {
			p.add(f+".mode", "考试方式“%s”无效：应为 纸笔作答 或 人机对话", cell(r, "mode"))
		}
		if s.Licence, ok = parseLicence(cell(r, "licence")); !ok {
			p.add(f+".licence", "执业资格要求“%s”无效：应为 无、执业医师资格 或 护士执业证书", cell(r, "licence"))
		}
		if s.Status, ok = parseStatus(cell(r, "status")); !ok {
			p.add(f+".status", "状态“%s”无效：应为 在用 或 取消", cell(r, "status"))
		}
		if m := cell(r, "merged_into"); m != "" {
			s.MergedInto = strings.FieldsFunc(m, func(c rune) bool { return strings.ContainsRune(",，;；、/ ", c) })
		}
		v := cell(r, "verified")
		s.Verified = v == "" || v == "是" || strings.EqualFold(v, "true") || v == "1"
		if s.Source == "" {
			s.Source = source
		}
		out = append(out, s)
	}
	p.catalog(out, y, label)
	if err := p.err("专业目录文件"); err != nil {
		return nil, err
	}
	return out, nil
}

func parseLevel(s string) (kaowu.Level, bool) {
	for _, l := range kaowu.Levels {
		if s == string(l) || s == l.Label() || s == strings.NewReplacer("（", "(", "）", ")").Replace(l.Label()) {
			return l, true
		}
	}
	return "", false
}

func parseMode(s string) (kaowu.Mode, bool) {
	for _, m := range []kaowu.Mode{kaowu.ModePaper, kaowu.ModeCBT} {
		if strings.EqualFold(s, string(m)) || s == m.Label() {
			return m, true
		}
	}
	return "", false
}

func parseLicence(s string) (kaowu.Licence, bool) {
	if s == "" {
		return kaowu.LicenceNone, true
	}
	for _, l := range []kaowu.Licence{kaowu.LicenceNone, kaowu.LicencePhysician, kaowu.LicenceNurse} {
		if strings.EqualFold(s, string(l)) || s == l.Label() {
			return l, true
		}
	}
	return "", false
}

func parseStatus(s string) (kaowu.SpecialtyStatus, bool) {
	switch strings.ToLower(s) {
	case "active", "在用", "":
		return kaowu.SpecialtyActive, true
	case "removed", "取消", "已取消":
		return kaowu.SpecialtyRemoved, true
	}
	return "", false
}

// CatalogRows returns the catalogue in the import file's layout (header
// first), so that an exported file can be edited and imported back.
func (y *Year) CatalogRows() [][]string {
	rows := [][]string{{"专业代码", "专业名称", "级别", "考试方式", "执业资格要求", "状态", "并入专业代码", "已核实", "来源"}}
	for _, s := range y.Catalog {
		status, verified := "在用", "否"
		if !s.Active() {
			status = "取消"
		}
		if s.Verified {
			verified = "是"
		}
		rows = append(rows, []string{s.Code, s.Name, s.Level.Label(), s.Mode.Label(), s.Licence.Label(), status,
			strings.Join(s.MergedInto, ";"), verified, s.Source})
	}
	return rows
}
