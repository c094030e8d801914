package pdf

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"kaowu"
)

var (
	update = flag.Bool("update", false, "rewrite testdata/*.golden.txt from the current output")
	outDir = flag.String("out", "", "also write the generated PDFs to this directory, to look at")
)

// rare are the rare name characters (生僻字) that must print and extract.
const rare = "堃喆玥昇䶮𠮷犇淼"

// tool returns the path of a command-line tool, skipping the test with a
// clear message when it is not installed.
func tool(t testing.TB, name, pkg string) string {
	t.Helper()
	p, err := exec.LookPath(name)
	if err != nil {
		t.Skipf("%s not installed (Debian package %s): skipping; CI installs it", name, pkg)
	}
	return p
}

// writePDF writes b to a temporary file (and to -out) and returns its path.
func writePDF(t testing.TB, name string, b []byte) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name+".pdf")
	if err := os.WriteFile(p, b, 0o644); err != nil {
		t.Fatal(err)
	}
	if *outDir != "" {
		if err := os.WriteFile(filepath.Join(*outDir, name+".pdf"), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return p
}

// run returns the standard output of a command (zbarimg, say, prints
// unrelated D-Bus warnings on standard error).
func run(t testing.TB, name string, args ...string) string {
	t.Helper()
	var stderr bytes.Buffer
	cmd := exec.Command(name, args...)
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("%s %s: %v\n%s%s", name, strings.Join(args, " "), err, out, stderr.Bytes())
	}
	return string(out)
}

// pdftotext returns the text of the PDF at path, laid out.
func pdftotext(t testing.TB, path string) string {
	t.Helper()
	bin := tool(t, "pdftotext", "poppler-utils")
	return run(t, bin, "-layout", "-enc", "UTF-8", path, "-")
}

// pages returns the page count pdfinfo reports.
func pages(t testing.TB, path string) int {
	t.Helper()
	bin := tool(t, "pdfinfo", "poppler-utils")
	m := regexp.MustCompile(`(?m)^Pages:\s+(\d+)`).FindStringSubmatch(run(t, bin, path))
	if m == nil {
		t.Fatalf("pdfinfo gave no page count")
	}
	n, _ := strconv.Atoi(m[1])
	return n
}

// golden compares got with testdata/name.golden.txt (rewritten by -update).
func golden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", name+".golden.txt")
	if *update {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if got != string(want) {
		gl, wl := strings.Split(got, "\n"), strings.Split(string(want), "\n")
		for i := 0; i < max(len(gl), len(wl)); i++ {
			var g, w string
			if i < len(gl) {
				g = gl[i]
			}
			if i < len(wl) {
				w = wl[i]
			}
			if g != w {
				t.Fatalf("text differs from %s at line %d:\n got: %q\nwant: %q\n(run go test -update if the change is intended)", path, i+1, g, w)
			}
		}
	}
}

// photoJPEG is a 295×413 JPEG (a one-inch photo at 300 dpi): a grey
// background with a darker head and shoulders.
func photoJPEG(t testing.TB) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, 295, 413))
	for y := range 413 {
		for x := range 295 {
			c := color.RGBA{200, 215, 235, 255}
			dx, dy := float64(x-147), float64(y-150)
			if dx*dx/(70*70)+dy*dy/(90*90) <= 1 || (y > 260 && dx*dx/(140*140)+float64(y-420)*float64(y-420)/(160*160) <= 1) {
				c = color.RGBA{70, 60, 55, 255}
			}
			img.Set(x, y, c)
		}
	}
	var b bytes.Buffer
	if err := jpeg.Encode(&b, img, &jpeg.Options{Quality: 85}); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

const longUnit = "北京市丰台区方庄社区卫生服务中心芳城园社区卫生服务站（北京市丰台区方庄社区卫生服务中心第二分中心、北京市丰台区医疗卫生服务共同体成员单位）"

// sampleForm is a typical intermediate nursing candidate whose name has
// non-BMP and extension-A characters and whose unit name is long.
func sampleForm(t testing.TB) ApplicationFormData {
	return ApplicationFormData{
		Year:          2024,
		ApplicationID: "A2024-0110-000123",
		Version:       2,
		SubmittedAt:   time.Date(2023, 12, 5, 2, 30, 0, 0, time.UTC), // 10:30 in Beijing
		Name:          "王𠮷䶮",
		Gender:        "女",
		BirthDate:     kaowu.NewDate(1990, 3, 7),
		IDTypeLabel:   kaowu.IDResident.Label(),
		IDNumber:      "11010619900307002X",
		Mobile:        "13812345678",
		Photo:         photoJPEG(t),
		Region:        "北京考区",
		Site:          "丰台考点",
		SpecialtyCode: "368",
		SpecialtyName: "护理学",
		LevelLabel:    kaowu.LevelIntermediate.Label(),
		ModeLabel:     kaowu.ModeCBT.Label(),
		Subjects:      []string{"基础知识", "相关专业知识", "专业知识", "专业实践能力"},
		Education: []EducationRow{
			{Level: "大专", School: "北京卫生职业学院", Major: "护理", GraduatedOn: kaowu.NewDate(2011, 7, 1), FullTime: true},
			{Level: "本科", School: "首都医科大学", Major: "护理学", GraduatedOn: kaowu.NewDate(2016, 1, 10), FullTime: false},
		},
		Work: WorkRow{
			UnitName:             longUnit,
			UnitCategory:         "其他社区卫生中心、卫生服务站",
			Post:                 "社区护理",
			StartedOn:            kaowu.NewDate(2011, 8, 1),
			PracticeRegisteredOn: kaowu.NewDate(2011, 9, 15),
			Titles: []TitleRow{
				{Name: "护理学", Level: kaowu.LevelAssistant.Label(), ObtainedOn: kaowu.NewDate(2012, 5, 20)},
				{Name: "护理学", Level: kaowu.LevelJunior.Label(), ObtainedOn: kaowu.NewDate(2016, 6, 1)},
			},
			Licences: []LicenceRow{
				{Name: "护士执业证书", Scope: "护理", ObtainedOn: kaowu.NewDate(2011, 9, 15)},
			},
		},
		Route:        "取得护师资格后，从事护理工作满4年（大专学历满6年）；本科学历，取得护师资格后从事本专业工作满4年",
		RouteClauses: []string{"附件1", "一（四）", "一（七）"},
		Materials: []MaterialRow{
			{"报名材料真实性承诺书（单位版）", "二（二）1"},
			{"《2024年度卫生专业技术资格考试申请表》，须加盖丰台辖区内医疗机构用人单位的公章或人事章，联系方式栏手工填写", "二（二）2"},
			{"本人身份证或军官证原件及A4纸复印件", "二（二）3"},
			{"毕业证书原件及A4纸复印件", "二（二）4"},
			{"低一级专业技术资格证书原件及A4纸复印件", "二（二）6"},
			{"护士执业证书", "二（二）6"},
		},
		QRPayload: "kaowu:verify:application:A2024-0110-000123:v2:5c1e9a7b3d20f4e8",
	}
}

// longForm has many education, title and licence rows: it flows to a
// second page.
func longForm(t testing.TB) ApplicationFormData {
	f := sampleForm(t)
	f.Photo = nil
	f.Name = "欧阳堃喆玥昇犇淼"
	for i := range 4 {
		f.Education = append(f.Education, EducationRow{Level: "硕士研究生", School: "北京大学医学部（继续教育学院在职研究生课程进修班第" + strconv.Itoa(i+1) + "期）", Major: "护理学（社区护理方向）", GraduatedOn: kaowu.NewDate(2018+i, 6, 30)})
	}
	for i := range 6 {
		f.Work.Titles = append(f.Work.Titles, TitleRow{Name: "护理学（第" + strconv.Itoa(i+1) + "次认定）", Level: "初级（师）", ObtainedOn: kaowu.NewDate(2017+i, 1, 1)})
	}
	for i := range 5 {
		f.Work.Licences = append(f.Work.Licences, LicenceRow{Name: "护士执业证书（延续注册）", Category: "护理", Scope: "护理（社区）", ObtainedOn: kaowu.NewDate(2016+i, 9, 15)})
	}
	return f
}

func TestApplicationForm(t *testing.T) {
	b, err := ApplicationForm(sampleForm(t))
	if err != nil {
		t.Fatal(err)
	}
	path := writePDF(t, "application_form", b)
	if n := pages(t, path); n != 1 {
		t.Errorf("typical candidate: %d pages, want 1", n)
	}
	text := pdftotext(t, path)
	for _, want := range []string{"王𠮷䶮", "𠮷", "䶮", "11010619900307002X", "扫码核验：第2版", "2023-12-05 10:30", "联系方式", "单位（盖章）", "方庄社区卫生服务中心"} {
		if !strings.Contains(text, want) {
			t.Errorf("text lacks %q", want)
		}
	}
	golden(t, "application_form", text)
}

func TestApplicationFormQR(t *testing.T) {
	f := sampleForm(t)
	b, err := ApplicationForm(f)
	if err != nil {
		t.Fatal(err)
	}
	path := writePDF(t, "application_form_qr", b)
	ppm := tool(t, "pdftoppm", "poppler-utils")
	zbar := tool(t, "zbarimg", "zbar-tools")
	prefix := filepath.Join(t.TempDir(), "page")
	run(t, ppm, "-r", "150", "-png", "-f", "1", "-l", "1", path, prefix)
	pngs, _ := filepath.Glob(prefix + "*.png")
	if len(pngs) != 1 {
		t.Fatalf("pdftoppm wrote %v", pngs)
	}
	out := run(t, zbar, "--quiet", "--raw", "-Sdisable", "-Sqrcode.enable", pngs[0])
	if got := strings.TrimSpace(out); got != f.QRPayload {
		t.Errorf("QR decodes to %q, want %q", got, f.QRPayload)
	}
}

func TestApplicationFormLongFlowsToSecondPage(t *testing.T) {
	b, err := ApplicationForm(longForm(t))
	if err != nil {
		t.Fatal(err)
	}
	path := writePDF(t, "application_form_long", b)
	if n := pages(t, path); n != 2 {
		t.Errorf("long form: %d pages, want 2", n)
	}
	text := pdftotext(t, path)
	if !strings.Contains(text, "（续）") {
		t.Errorf("no continued table header on the second page")
	}
	if !strings.Contains(text, "第2页 共2页") {
		t.Errorf("no page numbers")
	}
	golden(t, "application_form_long", text)
}

func TestApplicationFormWithoutPhoto(t *testing.T) {
	f := sampleForm(t)
	f.Photo = nil
	b, err := ApplicationForm(f)
	if err != nil {
		t.Fatal(err)
	}
	if text := pdftotext(t, writePDF(t, "application_form_nophoto", b)); !strings.Contains(text, "照片") {
		t.Errorf("empty photo box does not say 照片")
	}
}

func TestPledge(t *testing.T) {
	for _, tc := range []struct {
		name string
		data PledgeData
		want []string
	}{
		{"pledge_personal", PledgeData{
			Kind: PledgePersonal, Year: 2024, CandidateName: "王𠮷䶮", IDNumber: kaowu.MaskID("11010619900307002X"),
			UnitName: longUnit, SpecialtyCode: "368", SpecialtyName: "护理学", LevelLabel: "中级", Region: "北京考区", Site: "丰台考点",
		}, []string{"附件3", "报名材料真实性承诺书（个人版）", "王𠮷䶮", "110106********002X", "承诺人（签字）", "368 护理学（中级）"}},
		{"pledge_unit", PledgeData{
			Kind: PledgeUnit, Year: 2024, UnitName: longUnit, Region: "北京考区", Site: "丰台考点", Date: kaowu.NewDate(2023, 12, 8),
			Candidates: []PledgeCandidate{
				{Name: "王𠮷䶮", IDNumber: kaowu.MaskID("11010619900307002X"), SpecialtyCode: "368", SpecialtyName: "护理学", LevelLabel: "中级"},
				{Name: "李堃", IDNumber: kaowu.MaskID("110106198805120031"), SpecialtyCode: "203", SpecialtyName: "护理学", LevelLabel: "初级（师）"},
				{Name: "张玥", IDNumber: kaowu.MaskID("110106199211230046"), SpecialtyCode: "302", SpecialtyName: "全科医学", LevelLabel: "中级"},
				{Name: "陈昇", IDNumber: kaowu.MaskID("110106198601010012"), SpecialtyCode: "301", SpecialtyName: "内科学", LevelLabel: "中级"},
				{Name: "赵犇", IDNumber: kaowu.MaskID("110106199507070017"), SpecialtyCode: "201", SpecialtyName: "药学", LevelLabel: "初级（师）"},
				{Name: "刘淼喆", IDNumber: kaowu.MaskID("110106199010100028"), SpecialtyCode: "101", SpecialtyName: "药学", LevelLabel: "初级（士）"},
			},
		}, []string{"附件4", "报名材料真实性承诺书（单位版）", "单位（盖章）", "2023年12月8日", "本单位6名考生", "李堃", "张玥", "陈昇", "赵犇", "刘淼喆", "203 护理学（初级师）"}},
		{"pledge_unit_single", PledgeData{
			Kind: PledgeUnit, Year: 2024, UnitName: "北京市丰台区某某医院", CandidateName: "李堃", IDNumber: kaowu.MaskID("110106198805120031"),
			SpecialtyCode: "203", SpecialtyName: "护理学", LevelLabel: "初级（师）", Region: "北京考区", Site: "丰台考点",
		}, []string{"附件4", "本单位考生李堃（证件号码：110106********0031）", "经办人（签字）"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b, err := Pledge(tc.data)
			if err != nil {
				t.Fatal(err)
			}
			path := writePDF(t, tc.name, b)
			if n := pages(t, path); n != 1 {
				t.Errorf("%d pages, want 1", n)
			}
			text := pdftotext(t, path)
			for _, w := range tc.want {
				if !strings.Contains(text, w) {
					t.Errorf("text lacks %q", w)
				}
			}
			golden(t, tc.name, text)
		})
	}
}

// TestRareCharactersExtract proves that every rare name character,
// including 𠮷 outside the BMP, comes back from pdftotext.
func TestRareCharactersExtract(t *testing.T) {
	d, err := newDoc("rare")
	if err != nil {
		t.Fatal(err)
	}
	d.font(14)
	d.text(marginX, d.y, "生僻字："+rare+"。")
	b, err := d.bytes()
	if err != nil {
		t.Fatal(err)
	}
	text := pdftotext(t, writePDF(t, "rare", b))
	if !strings.Contains(text, "生僻字："+rare+"。") {
		t.Errorf("pdftotext gave %q, want the rare characters %q", strings.TrimSpace(text), rare)
	}
	for _, r := range rare {
		if !strings.ContainsRune(text, r) {
			t.Errorf("%c (U+%04X) not extracted", r, r)
		}
	}
}

var objRE = regexp.MustCompile(`^(\d+) 0 obj\n`)

// TestFixToUnicode checks the repaired CMap without external tools: the
// surrogate pair is there, and the file's stream lengths and
// cross-reference offsets still hold.
func TestFixToUnicode(t *testing.T) {
	d, err := newDoc("rare")
	if err != nil {
		t.Fatal(err)
	}
	d.text(marginX, d.y, "A𠮷䶮")
	raw, err := d.pdf.GetBytesPdfReturnErr()
	if err != nil {
		t.Fatal(err)
	}
	raw = bytes.Clone(raw)
	if !bytes.Contains(raw, []byte("><20BB7>")) {
		t.Fatalf("gopdf no longer writes the truncated entry: fixToUnicode may be unnecessary now")
	}
	b, err := fixToUnicode(raw)
	if err != nil {
		t.Fatal(err)
	}
	if len(b) != len(raw) {
		t.Fatalf("length changed: %d → %d", len(raw), len(b))
	}
	if !bytes.Contains(b, []byte("<D842DFB7>")) || !bytes.Contains(b, []byte("<4DAE>")) || !bytes.Contains(b, []byte("<0041>")) {
		t.Errorf("repaired CMap lacks an entry:\n%s", cmapOf(b))
	}
	if bytes.Contains(b, []byte("beginbfrange")) {
		t.Errorf("bfrange left in the repaired CMap")
	}
	checkXref(t, b)
	// Files without non-BMP characters are left alone.
	d2, _ := newDoc("bmp")
	d2.text(marginX, d2.y, "王芳")
	raw2, _ := d2.pdf.GetBytesPdfReturnErr()
	if b2, err := fixToUnicode(raw2); err != nil || !bytes.Equal(b2, raw2) {
		t.Errorf("BMP-only file changed (err %v)", err)
	}
}

func cmapOf(b []byte) string {
	i := bytes.Index(b, []byte("begincmap"))
	j := bytes.Index(b, []byte("endcmap"))
	if i < 0 || j < i {
		return ""
	}
	return string(b[i:j])
}

// checkXref verifies that every xref offset points at its object.
func checkXref(t *testing.T, b []byte) {
	t.Helper()
	m := regexp.MustCompile(`startxref\n(\d+)\n%%EOF\n$`).FindSubmatch(b)
	if m == nil {
		t.Fatal("no startxref")
	}
	off, _ := strconv.Atoi(string(m[1]))
	if !bytes.HasPrefix(b[off:], []byte("xref\n")) {
		t.Fatalf("startxref %d does not point at xref", off)
	}
	lines := strings.Split(string(b[off:]), "\n")
	var n int
	fmt.Sscanf(lines[1], "0 %d", &n)
	for i := 1; i < n; i++ {
		o, _ := strconv.Atoi(lines[2+i][:10])
		if mm := objRE.FindSubmatch(b[o:min(o+20, len(b))]); mm == nil || string(mm[1]) != strconv.Itoa(i) {
			t.Errorf("xref entry %d (offset %d) does not point at object %d", i, o, i)
		}
	}
}

func TestMissingGlyphs(t *testing.T) {
	if m := MissingGlyphs(rare + "王芳，（）《》“”ABCabc0123456789 －：；、。·—…№①℃"); len(m) != 0 {
		t.Errorf("font lacks %q", string(m))
	}
	// U+2123C (𡈼) is a rare character outside GB 2312 and the list.
	if m := MissingGlyphs("王𡈼𡈼"); string(m) != "𡈼" {
		t.Errorf("MissingGlyphs = %q, want 𡈼", string(m))
	}
}

// TestSourceTextCovered fails when a label added to this package uses a
// character the shipped font lacks: rebuild the font (fonts/README.md).
func TestSourceTextCovered(t *testing.T) {
	files, _ := filepath.Glob("*.go")
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		src, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if m := MissingGlyphs(string(src)); len(m) != 0 {
			t.Errorf("%s uses characters the font lacks: %q; rebuild it with fonts/build.py", f, string(m))
		}
	}
}

func TestMissingCharacterPrintsBox(t *testing.T) {
	f := sampleForm(t)
	f.Name = "王𡈼"
	b, err := ApplicationForm(f)
	if err != nil {
		t.Fatal(err)
	}
	if text := pdftotext(t, writePDF(t, "missing", b)); !strings.Contains(text, "王"+string(Missing)) {
		t.Errorf("a character missing from the font does not print as %c", Missing)
	}
}

func TestValidation(t *testing.T) {
	f := sampleForm(t)
	f.Name, f.QRPayload, f.Photo = "", "", []byte("not a jpeg")
	_, err := ApplicationForm(f)
	var e *kaowu.Error
	if !errors.As(err, &e) || e.Code != kaowu.EINVALID {
		t.Fatalf("err = %v, want an EINVALID kaowu.Error", err)
	}
	for _, k := range []string{"name", "qr_payload", "photo"} {
		if e.Fields[k] == "" {
			t.Errorf("no message for field %s in %v", k, e.Fields)
		}
	}
	_, err = Pledge(PledgeData{Kind: "other", Year: 2024})
	if kaowu.ErrorCode(err) != kaowu.EINVALID {
		t.Errorf("pledge of unknown kind: err = %v", err)
	}
	_, err = Pledge(PledgeData{Kind: PledgeUnit, Year: 2024, CandidateName: "王芳"})
	if kaowu.ErrorFields(err)["unit_name"] == "" {
		t.Errorf("unit pledge without unit: err = %v", err)
	}
}

// TestDeterministic: the same data gives the same bytes (no timestamps).
func TestDeterministic(t *testing.T) {
	f := sampleForm(t)
	a, err := ApplicationForm(f)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := ApplicationForm(f)
	if !bytes.Equal(a, b) {
		t.Errorf("two renderings of the same form differ")
	}
}

// TestConcurrent renders documents in parallel with the shared font (run
// with -race).
func TestConcurrent(t *testing.T) {
	f := sampleForm(t)
	want, err := ApplicationForm(f)
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for i := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var b []byte
			var err error
			if i%2 == 0 {
				b, err = ApplicationForm(f)
				if err == nil && !bytes.Equal(b, want) {
					err = fmt.Errorf("concurrent rendering differs")
				}
			} else {
				_, err = Pledge(PledgeData{Kind: PledgePersonal, Year: 2024, CandidateName: "李堃"})
			}
			errs <- err
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Error(err)
		}
	}
}

func TestWrap(t *testing.T) {
	d, err := newDoc("wrap")
	if err != nil {
		t.Fatal(err)
	}
	d.font(10)
	w := 40.0
	lines := d.wrap("证件号码：11010619900307002X，工作单位："+longUnit+"。", w)
	for i, l := range lines {
		if d.width(l) > w+1e-6 {
			t.Errorf("line %d %q is %.1f mm wide, more than %.0f", i, l, d.width(l), w)
		}
		if i > 0 && l != "" && strings.ContainsRune(closingPunct, []rune(l)[0]) {
			t.Errorf("line %d starts with closing punctuation: %q", i, l)
		}
		if r := []rune(l); len(r) > 0 && strings.ContainsRune(openingPunct, r[len(r)-1]) {
			t.Errorf("line %d ends with opening punctuation: %q", i, l)
		}
	}
	if got := strings.Join(lines, ""); got != "证件号码：11010619900307002X，工作单位："+longUnit+"。" {
		t.Errorf("wrapping lost text: %q", got)
	}
	found := false
	for _, l := range lines {
		found = found || strings.Contains(l, "11010619900307002X")
	}
	if !found {
		t.Errorf("ID number split across lines: %q", lines)
	}
	if got := d.wrap("甲\n\n乙", w); len(got) != 3 || got[1] != "" {
		t.Errorf("newlines: %q", got)
	}
	// A word longer than the line is broken rather than overflowing.
	for _, l := range d.wrap(strings.Repeat("X", 80), 20) {
		if d.width(l) > 20+1e-6 {
			t.Errorf("overlong word not broken: %q", l)
		}
	}
}

// BenchmarkApplicationForm measures forms per second, one form per file,
// with the shared, already parsed font.
func BenchmarkApplicationForm(b *testing.B) {
	f := sampleForm(b)
	if _, err := ApplicationForm(f); err != nil { // parse the font outside the timing
		b.Fatal(err)
	}
	n := 0
	for b.Loop() {
		if _, err := ApplicationForm(f); err != nil {
			b.Fatal(err)
		}
		n++
	}
	b.ReportMetric(float64(n)/b.Elapsed().Seconds(), "forms/s")
}

// BenchmarkPledge measures personal pledges per second.
func BenchmarkPledge(b *testing.B) {
	p := PledgeData{Kind: PledgePersonal, Year: 2024, CandidateName: "王𠮷䶮", UnitName: longUnit, Site: "丰台考点"}
	if _, err := Pledge(p); err != nil {
		b.Fatal(err)
	}
	n := 0
	for b.Loop() {
		if _, err := Pledge(p); err != nil {
			b.Fatal(err)
		}
		n++
	}
	b.ReportMetric(float64(n)/b.Elapsed().Seconds(), "pledges/s")
}

// doctorForm is a typical intermediate physician: two degrees, the
// physician's two certificates, a residency certificate and eight
// materials. It must still fit on one page.
func doctorForm(t testing.TB) ApplicationFormData {
	f := sampleForm(t)
	f.Name, f.Gender = "张堃", "男"
	f.SpecialtyCode, f.SpecialtyName = "303", "心血管内科学"
	f.Education = []EducationRow{
		{Level: "本科", School: "首都医科大学", Major: "临床医学", GraduatedOn: kaowu.NewDate(2013, 7, 1), FullTime: true},
		{Level: "硕士研究生", School: "北京大学医学部", Major: "内科学（心血管病方向）", GraduatedOn: kaowu.NewDate(2016, 7, 1), FullTime: true},
	}
	f.Work = WorkRow{
		UnitName: "北京市丰台区某某医院", UnitCategory: "直属医院", Post: "心血管内科医师",
		StartedOn: kaowu.NewDate(2016, 8, 1), PracticeRegisteredOn: kaowu.NewDate(2017, 3, 1),
		Titles: []TitleRow{{Name: "临床医学", Level: "初级（师）", ObtainedOn: kaowu.NewDate(2017, 9, 1)}},
		Licences: []LicenceRow{
			{Name: "医师资格证书", Category: "临床", ObtainedOn: kaowu.NewDate(2017, 1, 10)},
			{Name: "医师执业证书", Category: "临床", Scope: "内科专业", ObtainedOn: kaowu.NewDate(2017, 3, 1)},
		},
	}
	f.Route = "硕士学位，取得医师资格后从事本专业工作满2年；2012年及以后毕业的医学本科及以上学历，须取得住院医师规范化培训合格证书"
	f.RouteClauses = []string{"附件1", "一（四）", "一（七）", "一（九）"}
	f.Materials = []MaterialRow{
		{"报名材料真实性承诺书（单位版）", "二（二）1"},
		{"《2024年度卫生专业技术资格考试申请表》，须加盖丰台辖区内医疗机构用人单位的公章或人事章，联系方式栏手工填写", "二（二）2"},
		{"本人身份证或军官证原件及A4纸复印件", "二（二）3"},
		{"毕业证书原件及A4纸复印件", "二（二）4"},
		{"学位证书原件及A4纸复印件（硕士、博士）", "二（二）4"},
		{"低一级专业技术资格证书原件及A4纸复印件", "二（二）6"},
		{"相应专业执业医师执业证书、医师资格证书", "二（二）6"},
		{"《住院医师规范化培训合格证书》原件、复印件", "二（二）9"},
	}
	return f
}

func TestApplicationFormDoctorOnePage(t *testing.T) {
	b, err := ApplicationForm(doctorForm(t))
	if err != nil {
		t.Fatal(err)
	}
	if n := pages(t, writePDF(t, "application_form_doctor", b)); n != 1 {
		t.Errorf("typical physician: %d pages, want 1", n)
	}
}

// TestNothingOverflows fills every field with long text and checks with
// pdftotext -bbox that every word lies inside the page margins.
func TestNothingOverflows(t *testing.T) {
	long := func(s string, n int) string { return strings.Repeat(s, n) }
	f := longForm(t)
	f.Title = "2024年卫生专业技术资格考试申报表（北京考区丰台考点，供现场确认时使用，须经单位审查盖章）"
	f.Name = "阿卜杜热合曼·买买提依明·艾合买提江·吐尔逊𠮷䶮"
	f.IDTypeLabel = kaowu.IDForeignPermanentResidence.Label()
	f.Mobile = "+86 138 1234 5678 / 010-6381 2345"
	f.Site, f.Region = long("丰台考点", 5), long("北京考区", 5)
	f.SpecialtyName = "神经电生理（脑电图）技术" + long("长", 20)
	f.Work.UnitName = long(longUnit, 3)
	f.Work.Post = long("岗位", 20)
	f.Route = long("取得护师资格后，从事护理工作满4年；", 8)
	f.RouteClauses = []string{"附件1", "一（一）", "一（二）", "一（三）", "一（四）", "一（七）", "一（九）", "二（二）10"}
	f.Materials = append(f.Materials, f.Materials...)
	f.Materials = append(f.Materials, MaterialRow{long("材料名称很长", 30), "二（二）11"})
	f.ApplicationID = long("A2024-0110-000123-", 6)
	f.QRPayload = "kaowu:verify:application:" + long("0123456789", 15)
	b, err := ApplicationForm(f)
	if err != nil {
		t.Fatal(err)
	}
	path := writePDF(t, "overflow", b)
	checkInside(t, path)
	if n := pages(t, path); n < 2 {
		t.Errorf("%d pages", n)
	}
}

// TestTallRowSplits: a cell taller than a page continues on the next
// page, inside the margins, with nothing lost.
func TestTallRowSplits(t *testing.T) {
	f := sampleForm(t)
	f.Materials = nil
	for i := range 90 {
		f.Materials = append(f.Materials, MaterialRow{"材料第" + strconv.Itoa(i+1) + "项", "二（二）"})
	}
	b, err := ApplicationForm(f)
	if err != nil {
		t.Fatal(err)
	}
	path := writePDF(t, "tall", b)
	checkInside(t, path)
	text := pdftotext(t, path)
	for i := range 90 {
		if w := fmt.Sprintf("%d. 材料第%d项", i+1, i+1); !strings.Contains(text, w) {
			t.Errorf("lost %q", w)
		}
	}
	if n := pages(t, path); n < 2 {
		t.Errorf("%d pages", n)
	}
}

// checkInside checks with pdftotext -bbox that every word of the PDF lies
// inside the page margins (the footer sits 7 mm above the edge).
func checkInside(t *testing.T, path string) {
	t.Helper()
	bin := tool(t, "pdftotext", "poppler-utils")
	html := run(t, bin, "-bbox", path, "-")
	re := regexp.MustCompile(`<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">([^<]*)</word>`)
	words := re.FindAllStringSubmatch(html, -1)
	if len(words) < 50 {
		t.Fatalf("only %d words found", len(words))
	}
	const mm = 72 / 25.4
	for _, w := range words {
		x0, _ := strconv.ParseFloat(w[1], 64)
		y0, _ := strconv.ParseFloat(w[2], 64)
		x1, _ := strconv.ParseFloat(w[3], 64)
		y1, _ := strconv.ParseFloat(w[4], 64)
		if x0 < 14*mm || x1 > (210-14)*mm || y0 < 9*mm || y1 > (297-7)*mm {
			t.Errorf("word %q at (%.0f,%.0f)-(%.0f,%.0f) pt is outside the margins", w[5], x0, y0, x1, y1)
		}
	}
}
