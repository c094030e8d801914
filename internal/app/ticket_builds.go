package app

import (
	"archive/zip"
	"context"
	"errors"
	"fmt"
	"io"
	"strings"

	"kaowu"
	"kaowu/internal/pdf"
	"kaowu/internal/store"
	"kaowu/policy"
)

// BuildQueue runs ticket builds in the background (internal/jobs): the job
// is written in the transaction that starts the build.
type BuildQueue interface {
	EnqueueTicketBuild(ctx context.Context, tx *store.Tx, buildID string) error
}

// buildFile is one file of a build: the tickets of one room on one day
// (a paper room's for all paper days).
type buildFile struct {
	name   string
	roomID string
	day    kaowu.Date
	n      int
}

// buildFiles returns the files of a site's build, in room order.
func (a *App) buildFiles(ctx context.Context, year int, site string) ([]buildFile, error) {
	ps, err := a.Store.TicketPrints(ctx, store.TicketFilter{Year: year, Site: site})
	if err != nil {
		return nil, err
	}
	var out []buildFile
	at := map[[2]string]int{}
	for _, p := range ps {
		k := [2]string{p.Room.ID, p.Seat.Day.String()}
		if i, ok := at[k]; ok {
			out[i].n++
			continue
		}
		day := "纸笔考试"
		if !p.Seat.Day.IsZero() {
			day = p.Seat.Day.String()
		}
		clean := strings.NewReplacer("/", "-", "\\", "-", ":", "-", "*", "-", "?", "-", "\"", "-", "<", "-", ">", "-", "|", "-", " ", "_")
		at[k] = len(out)
		out = append(out, buildFile{name: clean.Replace(fmt.Sprintf("%s_%s_%s.pdf", day, p.Venue.Name, p.Room.Name)), roomID: p.Room.ID, day: p.Seat.Day, n: 1})
	}
	return out, nil
}

// StartTicketBuild starts the bulk build of the actor's site's tickets
// (四): one PDF per room and day, each after a roster of its candidates,
// made in the background with its progress kept, and resumable after a
// crash. Ticket numbers are issued first to the seated candidates who have
// none. A build already running is returned instead of a second one.
func (a *App) StartTicketBuild(ctx context.Context, actor Actor, askedSite string) (store.TicketBuild, error) {
	site, y, err := a.OfficeSite(ctx, actor, askedSite)
	if err != nil {
		return store.TicketBuild{}, err
	}
	if last, err := a.Store.LatestTicketBuild(ctx, y.Year, site.Code); err == nil && last.State == "running" {
		return last, nil
	}
	if _, err := a.IssueTickets(ctx, actor, site.Code); err != nil {
		return store.TicketBuild{}, err
	}
	files, err := a.buildFiles(ctx, y.Year, site.Code)
	if err != nil {
		return store.TicketBuild{}, err
	}
	if len(files) == 0 {
		return store.TicketBuild{}, kaowu.Errorf(kaowu.EINVALID, "没有已安排座位的考生：请先导入考场并编排考场（%s）", SeatingClause)
	}
	b := store.TicketBuild{ID: store.NewID(), Year: y.Year, Site: site.Code, State: "running", Total: len(files), CreatedBy: actor.Username, CreatedAt: a.Clock.Now()}
	err = a.Store.Update(ctx, func(tx *store.Tx) error {
		if err := tx.InsertTicketBuild(ctx, b); err != nil {
			return err
		}
		if a.Builds != nil {
			if err := a.Builds.EnqueueTicketBuild(ctx, tx, b.ID); err != nil {
				return err
			}
		}
		return a.audit(ctx, tx, actor, "ticket.build", site.Code, fmt.Sprintf("批量生成准考证：%d 个考场文件", len(files)))
	})
	if err != nil {
		return b, fmt.Errorf("start ticket build: %w", err)
	}
	return b, nil
}

// RunTicketBuild makes the files a build still lacks, storing each as it
// is made, and reports each to progress (files done, files in all) when
// not nil. It returns true once the build is done; false when ctx ended
// first (run it again to go on). Running it twice at once, or again after
// a crash, only repeats work: a file is stored once.
func (a *App) RunTicketBuild(ctx context.Context, id string, progress func(done, total int)) (bool, error) {
	b, err := a.Store.TicketBuild(ctx, id)
	if err != nil {
		return false, err
	}
	if b.State != "running" {
		return true, nil
	}
	y, err := a.Year(ctx, b.Year)
	if err != nil {
		return false, err
	}
	fail := func(err error) (bool, error) {
		bg := context.WithoutCancel(ctx)
		a.Store.Update(bg, func(tx *store.Tx) error {
			return tx.FinishTicketBuild(bg, id, "failed", kaowu.ErrorMessage(err), a.Clock.Now())
		})
		return false, fmt.Errorf("ticket build %s: %w", id, err)
	}
	files, err := a.buildFiles(ctx, b.Year, b.Site)
	if err != nil {
		return false, err
	}
	made, err := a.Store.TicketBuildFileNames(ctx, id)
	if err != nil {
		return false, err
	}
	done := 0
	for _, f := range files {
		if made[f.name] {
			done++
		}
	}
	if progress != nil {
		progress(done, len(files))
	}
	for _, f := range files {
		if made[f.name] {
			continue
		}
		if ctx.Err() != nil {
			return false, nil
		}
		day := f.day
		body, err := a.ticketsPDF(ctx, y, store.TicketFilter{Year: b.Year, Site: b.Site, RoomID: f.roomID, Day: &day}, func(ps []store.TicketPrint) *pdf.TicketRoster {
			return roomRoster(y, ps)
		})
		if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
			return false, nil
		}
		if err != nil {
			return fail(err)
		}
		if err := a.Store.Update(ctx, func(tx *store.Tx) error {
			return tx.PutTicketBuildFile(ctx, id, f.name, f.n, body, a.Clock.Now())
		}); err != nil {
			if ctx.Err() != nil {
				return false, nil
			}
			return false, err
		}
		done++
		if progress != nil {
			progress(done, len(files))
		}
	}
	err = a.Store.Update(ctx, func(tx *store.Tx) error {
		return tx.FinishTicketBuild(ctx, id, "done", "", a.Clock.Now())
	})
	return err == nil, err
}

// roomRoster is the first page of a room's ticket file: who sits where.
func roomRoster(y *policy.Year, ps []store.TicketPrint) *pdf.TicketRoster {
	p0 := ps[0]
	day := "纸笔考试日"
	if !p0.Seat.Day.IsZero() {
		day = p0.Seat.Day.Chinese()
	}
	r := &pdf.TicketRoster{Title: fmt.Sprintf("%d年度卫生专业技术资格考试 准考证（%s %s）", y.Year, p0.Venue.Name, p0.Room.Name),
		Lines:  []string{"考试日期：" + day, fmt.Sprintf("本考场 %d 人，每人一页准考证。", len(ps))},
		Header: []string{"座位号", "准考证号", "姓名", "证件号码", "报考专业"}}
	for _, p := range ps {
		sp, _ := y.Specialty(p.Specialty)
		r.Rows = append(r.Rows, []string{fmt.Sprint(p.Seat.Seat), p.Ticket.TicketNo, p.Name, kaowu.MaskID(string(p.IDNumber)), sp.Code + " " + sp.Name})
	}
	return r
}

// TicketBuildOf returns a build of the actor's site.
func (a *App) TicketBuildOf(ctx context.Context, actor Actor, id string) (store.TicketBuild, error) {
	b, err := a.Store.TicketBuild(ctx, id)
	if err != nil {
		return b, err
	}
	site, _, err := a.OfficeSite(ctx, actor, b.Site)
	if err != nil {
		return b, err
	}
	if site.Code != b.Site {
		return store.TicketBuild{}, kaowu.Errorf(kaowu.ENOTFOUND, "没有这次准考证生成任务")
	}
	return b, nil
}

// LatestTicketBuild returns the last build of the actor's site; ENOTFOUND
// before the first.
func (a *App) LatestTicketBuild(ctx context.Context, actor Actor, askedSite string) (store.TicketBuild, error) {
	site, y, err := a.OfficeSite(ctx, actor, askedSite)
	if err != nil {
		return store.TicketBuild{}, err
	}
	return a.Store.LatestTicketBuild(ctx, y.Year, site.Code)
}

// BuildReady refuses a build whose files are not there: still running, or
// deleted by the retention purge.
func BuildReady(b store.TicketBuild) error {
	if b.PurgedAt != nil {
		return kaowu.Errorf(kaowu.ENOTFOUND, "这批准考证文件（含考生照片）已于 %s 按个人信息保存期限删除",
			b.PurgedAt.In(kaowu.Shanghai).Format("2006-01-02"))
	}
	if b.State != "done" {
		return kaowu.Errorf(kaowu.ECONFLICT, "准考证尚未全部生成（%d/%d），请稍候", b.Done, b.Total)
	}
	return nil
}

// WriteTicketBuildZIP writes a finished build's files as one ZIP.
func (a *App) WriteTicketBuildZIP(ctx context.Context, actor Actor, id string, w io.Writer) error {
	b, err := a.TicketBuildOf(ctx, actor, id)
	if err != nil {
		return err
	}
	if err := BuildReady(b); err != nil {
		return err
	}
	z := zip.NewWriter(w)
	err = a.Store.EachTicketBuildFile(ctx, id, func(name string, body []byte) error {
		f, err := z.CreateHeader(&zip.FileHeader{Name: name, Method: zip.Store, Modified: a.Clock.Now()})
		if err != nil {
			return err
		}
		_, err = f.Write(body)
		return err
	})
	if err != nil {
		return fmt.Errorf("ticket build zip %s: %w", id, err)
	}
	return z.Close()
}
