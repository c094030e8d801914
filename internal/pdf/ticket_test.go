package pdf

import (
	"bytes"
	"errors"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"kaowu"
)

// ticketPhoto is a 295×413 JPEG of about 20 kB (a registration photo):
// a textured background with a head and shoulders; seed varies it.
func ticketPhoto(t testing.TB, seed int) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, 295, 413))
	r := uint32(seed*2654435761 + 1)
	for y := range 413 {
		for x := range 295 {
			r = r*1664525 + 1013904223
			n := int(r>>27)*3/4 - 12 // sensor noise, ±12
			c := [3]int{190 + y/12, 205 + y/16, 230}
			dx, dy := float64(x-147), float64(y-150)
			if dx*dx/(70*70)+dy*dy/(90*90) <= 1 {
				c = [3]int{205 - y/6, 170 - y/6, 150 - y/6} // face
			} else if y > 260 && dx*dx/(140*140)+float64(y-420)*float64(y-420)/(160*160) <= 1 {
				c = [3]int{40 + seed%40, 50, 70 + x/10} // jacket
			}
			px := func(v int) uint8 { return uint8(min(max(v+n, 0), 255)) }
			img.Set(x, y, color.RGBA{px(c[0]), px(c[1]), px(c[2]), 255})
		}
	}
	var b bytes.Buffer
	if err := jpeg.Encode(&b, img, &jpeg.Options{Quality: 75}); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// ticketRules are eight rules of about 60 characters, as the notice's
// exam-day rules run.
var ticketRules = []string{
	"考生须凭本准考证和有效期内的居民身份证（与报名时所用证件一致）原件参加考试，证件不全者不得进入考场。",
	"考生须于每科考试开始前30分钟到达考场，经身份验证后入场；考试开始5分钟后迟到的考生不得进入考场参加该科考试。",
	"人机对话考试时，考生须按座位号入座，核对屏幕上显示的本人姓名、准考证号和照片，如有不符立即举手向监考人员示意。",
	"除黑色签字笔、2B铅笔和橡皮外，不得携带任何书籍、资料、手机、智能手表等电子设备进入考场座位，已带入的须按要求存放。",
	"考试期间考生不得提前交卷离场；考试结束后须按监考人员指令有序离开考场，不得将草稿纸和考试相关材料带出考场。",
	"考生须遵守考场纪律，服从考试工作人员管理；对违纪违规者，依照《专业技术人员资格考试违纪违规行为处理规定》处理。",
	"准考证须用A4纸打印，不得涂改；考试期间须妥善保管以备查验。成绩查询和打印成绩单时须使用本人准考证号和有效证件号。",
	"请考生提前熟悉考点位置和交通路线，考点不提供停车位，请尽量乘坐公共交通工具前往，并关注考点发布的最新考试通知。",
}

// ticketQR is a signed payload of about 300 ASCII characters.
func ticketQR(no string) string {
	sig := strings.Repeat("Xq3v9LkP0aZr7TbM", 16)[:228]
	return "KW1:ticket:2024:" + no + ":368:A301:17:exp=20240421T235959+0800:sig=" + sig
}

func ticketSessions(room, seat string) []TicketSession {
	return []TicketSession{
		{"基础知识", "2024年4月13日", "08:30—10:00", room, seat},
		{"相关专业知识", "2024年4月13日", "10:45—12:15", room, seat},
		{"专业知识", "2024年4月13日", "14:00—15:30", room, seat},
		{"专业实践能力", "2024年4月13日", "16:15—17:45", room, seat},
	}
}

// sampleTicket is an intermediate nursing candidate sitting the
// computer-based exam, the rare character 䶮 in her name.
func sampleTicket(t testing.TB) TicketData {
	return TicketData{
		Year:          2024,
		TicketNo:      "2024110136800017",
		ArchiveNo:     "2023110106000123",
		Name:          "王䶮",
		IDType:        kaowu.IDResident.Label(),
		IDNumber:      "110106********0516",
		Photo:         ticketPhoto(t, 1),
		SpecialtyCode: "368",
		SpecialtyName: "护理学",
		LevelLabel:    kaowu.LevelIntermediate.Label(),
		Mode:          kaowu.ModeCBT.Label(),
		Site:          "丰台考点",
		Venue:         "北京市丰台区社区学院",
		Address:       "北京市丰台区望园东里23号",
		Directions:    "乘地铁10号线至角门西站，A口出，向东步行约800米；或乘公交66路、410路至望园东里站下车。",
		Sessions:      ticketSessions("第3考场（机房 A301）", "17"),
		Rules:         ticketRules,
		QR:            ticketQR("2024110136800017"),
		Issued:        "2024年4月1日 10:00 打印",
	}
}

// sampleBundle is three tickets of a military unit, one with 𠮷 in the
// name, and their roster.
func sampleBundle(t testing.TB) ([]TicketData, *TicketRoster) {
	names := []string{"王䶮", "𠮷祥", "李堃"}
	roster := &TicketRoster{
		Title: "2024年度卫生专业技术资格考试 准考证领取签收表",
		Lines: []string{
			"单位：中国人民解放军某部队医院（驻丰台）",
			"领取时间：2024年4月7日、8日　领取地点：丰台考点",
			"本单位共 3 张准考证。领取人逐张核对无误后签字；军队考生须持本人有效期内的居民身份证或临时身份证参加考试。",
		},
		Header: []string{"序号", "准考证号", "姓名", "证件号码", "报考专业", "考场", "座位号", "领取人签字"},
	}
	var ts []TicketData
	for i, n := range names {
		tk := sampleTicket(t)
		tk.Name = n
		tk.TicketNo = fmt.Sprintf("20241101368%05d", 17+i)
		tk.IDNumber = fmt.Sprintf("110106********%04d", 516+i)
		tk.Photo = ticketPhoto(t, 1+i)
		seat := strconv.Itoa(17 + i)
		tk.Sessions = ticketSessions("第3考场（机房 A301）", seat)
		tk.QR = ticketQR(tk.TicketNo)
		ts = append(ts, tk)
		roster.Rows = append(roster.Rows, []string{strconv.Itoa(i + 1), tk.TicketNo, n, tk.IDNumber,
			target(tk.SpecialtyCode, tk.SpecialtyName, tk.LevelLabel), "第3考场（机房 A301）", seat, ""})
	}
	return ts, roster
}

// sampleDoorList is a computer room of n candidates: 王䶮 and 𠮷祥 first,
// every fifth without a photo.
func sampleDoorList(t testing.TB, n int) DoorListData {
	l := DoorListData{Year: 2024, Site: "丰台考点", Venue: "北京市丰台区社区学院", Room: "第3考场（机房 A301）", Kind: "计算机考场",
		Day: "2024年4月13日", Times: "08:30—10:00、10:45—12:15、14:00—15:30、16:15—17:45"}
	names := []string{"王䶮", "𠮷祥", "李堃", "张玥", "陈昇", "赵犇", "刘淼喆", "欧阳明"}
	specialties := []string{"368 护理学（中级）", "203 护理学（初级师）", "302 全科医学（中级）", "303 心血管内科学（中级）"}
	for i := range n {
		r := DoorListRow{Seat: i + 1, TicketNo: fmt.Sprintf("20241101368%05d", i+1), Name: names[i%len(names)],
			IDNumber: fmt.Sprintf("110106********%04d", 500+i), Specialty: specialties[i%len(specialties)]}
		if i >= len(names) {
			r.Name += strconv.Itoa(i + 1)
		}
		if i%5 != 4 {
			r.Photo = ticketPhoto(t, i+1)
		}
		l.Rows = append(l.Rows, r)
	}
	return l
}

// pageText returns the laid-out text of page n of the PDF at path.
func pageText(t *testing.T, path string, n int) string {
	t.Helper()
	bin := tool(t, "pdftotext", "poppler-utils")
	p := strconv.Itoa(n)
	return run(t, bin, "-layout", "-enc", "UTF-8", "-f", p, "-l", p, path, "-")
}

// flat removes the layout's spaces and line breaks, for texts that wrap.
func flat(s string) string { return strings.Join(strings.Fields(s), "") }

func TestTicket(t *testing.T) {
	for _, tc := range []struct {
		name string
		edit func(*TicketData)
		want []string
	}{
		{"ticket", func(*TicketData) {}, []string{
			"2024年度卫生专业技术资格考试准考证", "准考证号2024110136800017", "王䶮", "居民身份证", "110106********0516",
			"2023110106000123", "368护理学（中级）", "人机对话", "丰台考点", "北京市丰台区社区学院", "望园东里23号", "角门西站",
			"科目考试日期考试时间考场座位号", "专业实践能力2024年4月13日16:15—17:45第3考场（机房A301）17",
			"入场验证码（考点工作人员扫码核验）", "考生须知", "1.考生须凭本准考证", "8.请考生提前熟悉", "2024年4月1日10:00打印",
		}},
		{"ticket_nbmp", func(d *TicketData) { d.Name, d.Photo, d.Directions = "𠮷祥", nil, "" }, []string{"𠮷祥", "照片"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tk := sampleTicket(t)
			tc.edit(&tk)
			if m := MissingGlyphs(fmt.Sprint(tk)); len(m) != 0 {
				t.Fatalf("sample uses characters the font lacks: %q", string(m))
			}
			b, err := Ticket(tk)
			if err != nil {
				t.Fatal(err)
			}
			path := writePDF(t, tc.name, b)
			if n := pages(t, path); n != 1 {
				t.Errorf("%d pages, want 1", n)
			}
			text := pdftotext(t, path)
			for _, w := range tc.want {
				if !strings.Contains(flat(text), flat(w)) {
					t.Errorf("text lacks %q:\n%s", w, text)
				}
			}
			if tc.name == "ticket" {
				golden(t, "ticket", text)
				if strings.Contains(text, "乘车路线") != true {
					t.Errorf("no 乘车路线 row")
				}
			} else if strings.Contains(text, "乘车路线") {
				t.Errorf("乘车路线 printed without directions")
			}
			checkInside(t, path)
		})
	}
}

// decodeQR renders page 1 of the PDF at 150 dpi and returns what zbarimg
// reads from it.
func decodeQR(t *testing.T, path string) string {
	t.Helper()
	ppm := tool(t, "pdftoppm", "poppler-utils")
	zbar := tool(t, "zbarimg", "zbar-tools")
	prefix := filepath.Join(t.TempDir(), "page")
	run(t, ppm, "-r", "150", "-png", "-f", "1", "-l", "1", path, prefix)
	pngs, _ := filepath.Glob(prefix + "*.png")
	if len(pngs) != 1 {
		t.Fatalf("pdftoppm wrote %v", pngs)
	}
	return strings.TrimSpace(run(t, zbar, "--quiet", "--raw", "-Sdisable", "-Sqrcode.enable", pngs[0]))
}

func TestTicketQR(t *testing.T) {
	tk := sampleTicket(t)
	if n := len(tk.QR); n < 280 {
		t.Fatalf("sample payload of %d characters, want about 300", n)
	}
	b, err := Ticket(tk)
	if err != nil {
		t.Fatal(err)
	}
	if got := decodeQR(t, writePDF(t, "ticket_qr", b)); got != tk.QR {
		t.Errorf("QR decodes to %q, want %q", got, tk.QR)
	}
}

func TestTicketsRoster(t *testing.T) {
	ts, roster := sampleBundle(t)
	b, err := Tickets(ts, roster)
	if err != nil {
		t.Fatal(err)
	}
	path := writePDF(t, "tickets_roster", b)
	if n := pages(t, path); n != 1+3 {
		t.Fatalf("%d pages, want the roster's 1 and 3 tickets", n)
	}
	text := pdftotext(t, path)
	golden(t, "tickets_roster", text)
	cover := flat(pageText(t, path, 1))
	for _, w := range []string{"准考证领取签收表", "中国人民解放军某部队医院", "领取人签字", "𠮷祥", "2024110136800019", "第1页共1页"} {
		if !strings.Contains(cover, w) {
			t.Errorf("roster lacks %q:\n%s", w, cover)
		}
	}
	for i, tk := range ts {
		page := flat(pageText(t, path, 2+i))
		if !strings.Contains(page, "准考证号"+tk.TicketNo) || !strings.Contains(page, tk.Name) || strings.Count(page, "2024110136800") != 1 {
			t.Errorf("page %d is not the ticket of %s:\n%s", 2+i, tk.Name, page)
		}
	}
	checkInside(t, path)

	// Without a roster: one page per ticket.
	b, err = Tickets(ts, nil)
	if err != nil {
		t.Fatal(err)
	}
	if n := pages(t, writePDF(t, "tickets", b)); n != 3 {
		t.Errorf("3 tickets without a roster on %d pages", n)
	}
}

// TestTicketsLongRoster: a roster of 70 rows flows over pages with its
// header on each, and the tickets follow on pages of their own.
func TestTicketsLongRoster(t *testing.T) {
	ts, roster := sampleBundle(t)
	for i := 3; i < 70; i++ {
		r := append([]string(nil), roster.Rows[i%3]...)
		r[0] = strconv.Itoa(i + 1)
		roster.Rows = append(roster.Rows, r)
	}
	b, err := Tickets(ts, roster)
	if err != nil {
		t.Fatal(err)
	}
	path := writePDF(t, "tickets_long_roster", b)
	n := pages(t, path)
	if n < 3+3 {
		t.Fatalf("%d pages: the roster of 70 rows should take 3 or more", n)
	}
	rosterPages := n - 3
	for p := 1; p <= rosterPages; p++ {
		text := flat(pageText(t, path, p))
		if !strings.Contains(text, "序号准考证号姓名") || !strings.Contains(text, fmt.Sprintf("第%d页共%d页", p, rosterPages)) {
			t.Errorf("roster page %d lacks its header or number:\n%s", p, text)
		}
	}
	if last := flat(pageText(t, path, rosterPages)); !strings.Contains(last, "70") {
		t.Errorf("the roster's last row is missing")
	}
	if first := flat(pageText(t, path, rosterPages+1)); !strings.Contains(first, "准考证号"+ts[0].TicketNo) {
		t.Errorf("first ticket not on page %d", rosterPages+1)
	}
	checkInside(t, path)
}

func TestDoorList(t *testing.T) {
	l := sampleDoorList(t, 20)
	b, err := DoorList(l)
	if err != nil {
		t.Fatal(err)
	}
	path := writePDF(t, "door_list", b)
	n := pages(t, path)
	if n != 3 {
		t.Errorf("20 candidates on %d pages, want 3", n)
	}
	text := pdftotext(t, path)
	golden(t, "door_list", text)
	all := flat(text)
	for _, w := range []string{"王䶮", "𠮷祥", "2024110136800001", "110106********0500", "368护理学（中级）", "无照片", "本考场考生20名（座位号1—20）", "实到人数"} {
		if !strings.Contains(all, w) {
			t.Errorf("door list lacks %q", w)
		}
	}
	per := 0
	for p := 1; p <= n; p++ {
		page := flat(pageText(t, path, p))
		for _, w := range []string{"第3考场（机房A301）", "丰台考点", "2024年4月13日", fmt.Sprintf("第%d页共%d页", p, n), "考生签名", "监考员签字"} {
			if !strings.Contains(page, w) {
				t.Errorf("page %d lacks %q", p, w)
			}
		}
		if p == 1 {
			per = strings.Count(page, "2024110136800")
		}
	}
	if per < 8 || per > 10 {
		t.Errorf("%d candidates on the first page, want 8 to 10", per)
	}
	checkInside(t, path)
}

func TestTicketValidation(t *testing.T) {
	good := sampleTicket(t)
	for _, tc := range []struct {
		name   string
		render func() ([]byte, error)
		fields []string
	}{
		{"no ticket number", func() ([]byte, error) { tk := good; tk.TicketNo = " "; return Ticket(tk) }, []string{"ticket_no"}},
		{"no name", func() ([]byte, error) { tk := good; tk.Name = ""; return Ticket(tk) }, []string{"name"}},
		{"no sessions", func() ([]byte, error) { tk := good; tk.Sessions = nil; return Ticket(tk) }, []string{"sessions"}},
		{"all three", func() ([]byte, error) { return Ticket(TicketData{Year: 2024, QR: "x"}) }, []string{"ticket_no", "name", "sessions"}},
		{"QR too long", func() ([]byte, error) { tk := good; tk.QR = strings.Repeat("A", 4000); return Ticket(tk) }, []string{"qr"}},
		{"no QR", func() ([]byte, error) { tk := good; tk.QR = ""; return Ticket(tk) }, []string{"qr"}},
		{"photo not JPEG", func() ([]byte, error) { tk := good; tk.Photo = []byte("GIF89a"); return Ticket(tk) }, []string{"photo"}},
		{"bundle: second ticket", func() ([]byte, error) {
			bad := good
			bad.Name = ""
			return Tickets([]TicketData{good, bad}, nil)
		}, []string{"tickets[1].name"}},
		{"bundle: none", func() ([]byte, error) { return Tickets(nil, &TicketRoster{Title: "封面"}) }, []string{"tickets"}},
		{"bundle: roster row too wide", func() ([]byte, error) {
			return Tickets([]TicketData{good}, &TicketRoster{Header: []string{"序号"}, Rows: [][]string{{"1", "2"}}})
		}, []string{"roster.rows[0]"}},
		{"door list: no room, no rows", func() ([]byte, error) { return DoorList(DoorListData{Year: 2024}) }, []string{"room", "rows"}},
		{"door list: bad photo", func() ([]byte, error) {
			l := sampleDoorList(t, 2)
			l.Rows[1].Photo = []byte{0xff, 0xd8, 0xff}
			return DoorList(l)
		}, []string{"rows[1].photo"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b, err := tc.render()
			var e *kaowu.Error
			if !errors.As(err, &e) || e.Code != kaowu.EINVALID || b != nil {
				t.Fatalf("err = %v, want an EINVALID kaowu.Error", err)
			}
			if !strings.HasPrefix(e.Message, "无法生成") || MissingGlyphs(e.Message) != nil {
				t.Errorf("message %q", e.Message)
			}
			for _, k := range tc.fields {
				if e.Fields[k] == "" {
					t.Errorf("no message for %s in %v", k, e.Fields)
				}
			}
			if len(e.Fields) != len(tc.fields) {
				t.Errorf("fields %v, want just %v", e.Fields, tc.fields)
			}
		})
	}
}

// TestTicketDeterministic: the same data gives the same bytes.
func TestTicketDeterministic(t *testing.T) {
	ts, roster := sampleBundle(t)
	l := sampleDoorList(t, 12)
	for _, tc := range []struct {
		name   string
		render func() ([]byte, error)
	}{
		{"ticket", func() ([]byte, error) { return Ticket(ts[1]) }},
		{"tickets", func() ([]byte, error) { return Tickets(ts, roster) }},
		{"door list", func() ([]byte, error) { return DoorList(l) }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a, err := tc.render()
			if err != nil {
				t.Fatal(err)
			}
			b, _ := tc.render()
			if !bytes.Equal(a, b) {
				t.Errorf("two renderings differ")
			}
		})
	}
}

// TestTicketNothingOverflows fills the ticket and the door list with long
// texts and checks that every word lies inside the margins; the ticket
// with the longest usual texts still takes one page.
func TestTicketNothingOverflows(t *testing.T) {
	long := strings.Repeat
	for i, tc := range []struct {
		name     string
		edit     func(*TicketData)
		maxPages int
	}{
		{"long fields", func(d *TicketData) {
			d.Name = "阿卜杜热合曼·买买提依明·艾合买提江·吐尔逊𠮷䶮"
			d.IDType = kaowu.IDForeignPermanentResidence.Label()
			d.IDNumber = "HKG" + long("1234567890", 4)
			d.ArchiveNo = long("2023110106000123", 3)
			d.SpecialtyName = "神经电生理（脑电图）技术" + long("长", 20)
			d.Mode = long("人机对话", 6)
			d.Site = long("丰台考点", 12)
			d.Venue = long("北京市丰台区社区学院", 8)
			d.Address = long("北京市丰台区望园东里23号院", 8)
			d.Directions = long("乘地铁10号线至角门西站，A口出，向东步行约800米；", 6)
			for i := range d.Sessions {
				d.Sessions[i].Subject = long("专业实践能力", 3)
				d.Sessions[i].Room = long("第3考场（机房 A301）", 3)
				d.Sessions[i].Seat = "12345"
			}
			d.TicketNo = long("2024110136800017", 4)
			d.Issued = long("2024年4月1日 10:00 打印", 8)
		}, 2},
		{"long realistic fields", func(d *TicketData) {
			d.Name = "阿卜杜热合曼·买买提依明·艾合买提江·吐尔逊"
			d.SpecialtyCode, d.SpecialtyName = "393", "神经电生理（脑电图）技术"
			d.Venue = "北京市丰台区社区学院（北京开放大学丰台分校）望园东里校区综合教学楼"
			d.Address = "北京市丰台区望园东里23号院（南门进入，东门不开放；考点内禁止停车，接送车辆请停靠在望园东里路边）"
			d.Directions = long("乘地铁10号线至角门西站，A口出，向东步行约800米；或乘公交66路、410路至望园东里站下车。", 2)
			for i := range d.Sessions {
				d.Sessions[i].Room = "第13考场（综合教学楼三层机房 A301）"
			}
		}, 1},
		{"long fields, more rules", func(d *TicketData) {
			d.Venue = long("北京市丰台区社区学院", 3)
			d.Directions = long("乘地铁10号线至角门西站，A口出，向东步行约800米；或乘公交66路、410路至望园东里站下车。", 2)
			d.Rules = append(d.Rules, d.Rules[:4]...)
		}, 1},
		{"long rules shrink to fit", func(d *TicketData) {
			d.Rules = append(d.Rules, d.Rules[:4]...)
		}, 1},
		{"very long rules flow", func(d *TicketData) {
			d.Rules = nil
			for i := range 20 {
				d.Rules = append(d.Rules, long(ticketRules[i%len(ticketRules)], 2))
			}
		}, 2},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tk := sampleTicket(t)
			tc.edit(&tk)
			b, err := Ticket(tk)
			if err != nil {
				t.Fatal(err)
			}
			path := writePDF(t, fmt.Sprintf("ticket_overflow_%d", i+1), b)
			checkInside(t, path)
			if n := pages(t, path); n > tc.maxPages {
				t.Errorf("%d pages, want at most %d", n, tc.maxPages)
			}
			text := flat(pdftotext(t, path))
			for i := range tk.Rules {
				if !strings.Contains(text, strconv.Itoa(i+1)+".") {
					t.Errorf("rule %d lost", i+1)
				}
			}
		})
	}
	t.Run("door list", func(t *testing.T) {
		l := sampleDoorList(t, 30)
		l.Venue = long("北京市丰台区社区学院", 6)
		l.Room = long("第3考场（机房 A301）", 4)
		l.Rows[3].Name = "阿卜杜热合曼·买买提依明·艾合买提江·吐尔逊"
		l.Rows[4].Specialty = "393 神经电生理（脑电图）技术（中级）" + long("长", 30)
		b, err := DoorList(l)
		if err != nil {
			t.Fatal(err)
		}
		path := writePDF(t, "door_list_overflow", b)
		checkInside(t, path)
		if !strings.Contains(flat(pdftotext(t, path)), "2024110136800030") {
			t.Errorf("the last candidate is missing")
		}
	})
}

// BenchmarkTicket measures tickets per second, one ticket with a ~20 kB
// photo per PDF, with the shared, already parsed font.
func BenchmarkTicket(b *testing.B) {
	tk := sampleTicket(b)
	out, err := Ticket(tk) // parse the font outside the timing
	if err != nil {
		b.Fatal(err)
	}
	b.Logf("photo %d bytes, PDF %d bytes", len(tk.Photo), len(out))
	n, size := 0, 0
	for b.Loop() {
		out, err := Ticket(tk)
		if err != nil {
			b.Fatal(err)
		}
		n++
		size += len(out)
	}
	b.ReportMetric(float64(n)/b.Elapsed().Seconds(), "tickets/s")
	b.ReportMetric(float64(size)/float64(n), "bytes/ticket")
}

// BenchmarkTickets100 measures tickets per second, 100 tickets (each with
// its own photo) and a roster in one PDF.
func BenchmarkTickets100(b *testing.B) {
	var ts []TicketData
	roster := &TicketRoster{Title: "准考证领取签收表", Header: []string{"序号", "准考证号", "姓名", "证件号码", "领取人签字"}}
	for i := range 100 {
		tk := sampleTicket(b)
		tk.Name = []string{"王䶮", "𠮷祥", "李堃", "张玥", "陈昇"}[i%5] + strconv.Itoa(i+1)
		tk.TicketNo = fmt.Sprintf("20241101368%05d", i+1)
		tk.Photo = ticketPhoto(b, i+1)
		tk.QR = ticketQR(tk.TicketNo)
		ts = append(ts, tk)
		roster.Rows = append(roster.Rows, []string{strconv.Itoa(i + 1), tk.TicketNo, tk.Name, tk.IDNumber, ""})
	}
	if _, err := Tickets(ts, roster); err != nil {
		b.Fatal(err)
	}
	n, size := 0, 0
	for b.Loop() {
		out, err := Tickets(ts, roster)
		if err != nil {
			b.Fatal(err)
		}
		n += len(ts)
		size += len(out)
	}
	b.ReportMetric(float64(n)/b.Elapsed().Seconds(), "tickets/s")
	b.ReportMetric(float64(size)/float64(n), "bytes/ticket")
}

// TestTicketConcurrent renders tickets and door lists in parallel, with
// the shared font, width cache and QR mask cache (run with -race): each
// rendering is the same as alone.
func TestTicketConcurrent(t *testing.T) {
	tk := sampleTicket(t)
	l := sampleDoorList(t, 9)
	wantT, err := Ticket(tk)
	if err != nil {
		t.Fatal(err)
	}
	wantL, err := DoorList(l)
	if err != nil {
		t.Fatal(err)
	}
	errs := make(chan error, 8)
	for i := range 8 {
		go func() {
			var b, want []byte
			var err error
			if i%2 == 0 {
				want = wantT
				b, err = Ticket(tk)
			} else {
				want = wantL
				b, err = DoorList(l)
			}
			if err == nil && !bytes.Equal(b, want) {
				err = fmt.Errorf("concurrent rendering %d differs", i)
			}
			errs <- err
		}()
	}
	for range 8 {
		if err := <-errs; err != nil {
			t.Error(err)
		}
	}
}
