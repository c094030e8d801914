package app

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"time"

	"kaowu"
	"kaowu/internal/store"
	"kaowu/internal/tabular"
	"kaowu/policy"
)

// Exports of the staff lists: exactly the rows a list's filter matches, in
// its sort, with the export's columns, to .xlsx through excelize's stream
// writer. A small export (ExportNowMax rows at most) downloads at once; a
// larger one runs in the background (internal/jobs) and is stored in the
// database, so that whichever node the browser asks next serves it.
//
// Both read one snapshot (store.Snapshot: one read-only transaction,
// repeatable read on PostgreSQL) in keyset batches of exportBatch rows:
// the file holds the rows that matched at one instant, however long it
// takes and whatever changes meanwhile, and its total is counted in the
// same snapshot. A background export that stops (a crash, a node going
// down) starts again from its first row when River runs the job again,
// in a new snapshot: the file is stored in one transaction at the end, so
// a half-made file is never served, and a whole list of 100 000 rows takes
// seconds to make again, much less than resuming would cost to get right.

// ExportNowMax is the most rows an export downloads at once; a list with
// more is exported in the background.
const ExportNowMax = 5000

// ExportMaxRows is the most rows one export holds (a worksheet's limit,
// less its header).
const ExportMaxRows = 1_048_575

// exportBatch is how many rows an export reads at a time (and how often a
// background export records its progress).
const exportBatch = 1000

// ExportQueue runs background exports: the job is written in the
// transaction that records the export (internal/jobs).
type ExportQueue interface {
	EnqueueListExport(ctx context.Context, tx *store.Tx, exportID string) error
}

// exportQuery is what a background export stores of its list query.
type exportQuery struct {
	Kind  store.ListKind  `json:"kind"`
	Role  kaowu.Role      `json:"role"`
	Query store.ListQuery `json:"query"`
}

// ListExportStart is what ExportList did: the rows it wrote at once, or
// the background export it started.
type ListExportStart struct {
	Rows   int
	Export *store.ListExport
}

// exportName is the file name of an export of list k made at t.
func exportName(k store.ListKind, t time.Time) string {
	return fmt.Sprintf("%s-%s.xlsx", ListTitle(k), t.In(kaowu.Shanghai).Format("20060102-1504"))
}

// ExportList exports the rows of list k that p's filter matches (every
// page, in p's sort) for the actor, with the same scope as the list's
// page. With ExportNowMax rows or fewer it writes the .xlsx to the writer
// open returns (given the file's name) at once; with more it starts a
// background export and writes nothing. Either way the export is audited:
// who, which list, which filter, how many rows.
func (a *App) ExportList(ctx context.Context, actor Actor, k store.ListKind, p ListParams, open func(name string) io.Writer) (ListExportStart, error) {
	y, err := a.CurrentYear(ctx)
	if err != nil {
		return ListExportStart{}, err
	}
	sc, err := a.listAccess(ctx, actor, k, y)
	if err != nil {
		return ListExportStart{}, err
	}
	d := listDefs[k]
	p.Cursor = ""
	q, _, words, err := a.listQuery(ctx, y, k, d, sc, p)
	if err != nil {
		return ListExportStart{}, err
	}
	q.Cursor, q.Limit = "", 0
	desc := ListTitle(k)
	if words != "" {
		desc += "（" + words + "）"
	}
	if sc.label != "" {
		desc = sc.label + desc
	}
	var out ListExportStart
	err = a.Store.Snapshot(ctx, func(sn *store.Snapshot) error {
		n, err := d.count(ctx, sn, q)
		if err != nil {
			return err
		}
		if n > ExportMaxRows {
			return kaowu.Errorf(kaowu.EINVALID, "符合条件的有 %d 条，超过一个 Excel 工作表能容纳的 %d 条：请缩小筛选范围后分批导出", n, ExportMaxRows)
		}
		if n > ExportNowMax {
			e, err := a.startListExport(ctx, actor, sc, k, q, desc, n)
			out.Export = &e
			return err
		}
		if err := a.Store.Update(ctx, func(tx *store.Tx) error {
			return a.audit(ctx, tx, actor, "list.export", string(k), fmt.Sprintf("导出%s，%d 条", desc, n))
		}); err != nil {
			return err
		}
		name := exportName(k, a.Clock.Now())
		w := open(name)
		out.Rows, err = a.writeList(ctx, sn, d, y, sc.role, q, w, nil)
		return err
	})
	if err != nil {
		return out, fmt.Errorf("export %s: %w", k, err)
	}
	return out, nil
}

// startListExport records a background export of n rows, with its job
// and its audit row, in one transaction.
func (a *App) startListExport(ctx context.Context, actor Actor, sc listScope, k store.ListKind, q store.ListQuery, desc string, n int) (store.ListExport, error) {
	body, err := json.Marshal(exportQuery{Kind: k, Role: sc.role, Query: q})
	if err != nil {
		return store.ListExport{}, err
	}
	now := a.Clock.Now()
	e := store.ListExport{ID: store.NewID(), List: k, Query: string(body), Description: desc, State: "running", Total: n,
		CreatedBy: sc.me.ID, CreatedAt: now}
	err = a.Store.Update(ctx, func(tx *store.Tx) error {
		if err := tx.InsertListExport(ctx, e); err != nil {
			return err
		}
		if a.Exports != nil {
			if err := a.Exports.EnqueueListExport(ctx, tx, e.ID); err != nil {
				return err
			}
		}
		return a.audit(ctx, tx, actor, "list.export", string(k), fmt.Sprintf("导出%s，%d 条（后台生成）", desc, n))
	})
	return e, err
}

// exportKeep is how long an export's file is kept: exports hold personal
// data, and a day is enough to download them.
const exportKeep = 24 * time.Hour

// PurgeListExports deletes the exports of staff lists started more than
// a day (exportKeep) before now, with their files, and returns how many:
// serve's scheduled tasks run it every minute.
func (a *App) PurgeListExports(ctx context.Context, now time.Time) (int, error) {
	var n int
	err := a.Store.Update(ctx, func(tx *store.Tx) error {
		var err error
		n, err = tx.DeleteListExports(ctx, now.Add(-exportKeep))
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("purge list exports: %w", err)
	}
	return n, nil
}

// writeList writes the rows of q to w as .xlsx, reporting each batch to
// progress (rows written so far) when not nil, and returns the rows
// written.
func (a *App) writeList(ctx context.Context, db store.Source, d listDef, y *policy.Year, role kaowu.Role, q store.ListQuery, w io.Writer, progress func(done int) error) (int, error) {
	var header []string
	var widths []float64
	var keep []int
	for i, c := range d.columns() {
		if c.Export {
			header = append(header, c.Label)
			widths = append(widths, exportWidth(c.Label))
			keep = append(keep, i)
		}
	}
	sh, err := tabular.NewSheet("名单", header, widths)
	if err != nil {
		return 0, err
	}
	defer sh.Close()
	done := 0
	row := make([]any, len(keep))
	err = d.each(ctx, a, db, y, role, q, exportBatch, func(rows [][]ListCell) error {
		for _, cells := range rows {
			for j, i := range keep {
				row[j] = cells[i].Value
			}
			if err := sh.Add(row...); err != nil {
				return err
			}
		}
		done += len(rows)
		if progress != nil {
			return progress(done)
		}
		return nil
	})
	if err != nil {
		return done, err
	}
	if _, err := sh.WriteTo(w); err != nil {
		return done, err
	}
	return done, nil
}

// exportWidth is a column's width for its heading: wide enough for the
// values it holds.
func exportWidth(label string) float64 {
	switch label {
	case "证件号码", "准考证号", "交易单号", "订单号":
		return 22
	case "单位", "单位名称":
		return 30
	case "提交时间", "支付时间":
		return 17
	case "报考专业", "专业", "报名状态", "状态":
		return 18
	}
	return 12
}

// RunListExport makes a background export's file: it counts and writes
// the rows of its query in one snapshot, records the rows written after
// each batch (and reports them to progress when not nil), and stores the
// file. It returns true once the export is done (or was ended before);
// false when ctx ended first: run it again (River does) and it starts
// over. An export whose query no longer reads (a removed list) fails.
func (a *App) RunListExport(ctx context.Context, id string, progress func(done, total int)) (bool, error) {
	e, err := a.Store.ListExport(ctx, id)
	if err != nil {
		return false, err
	}
	if e.State != "running" {
		return true, nil
	}
	var eq exportQuery
	d, ok := listDefs[e.List]
	if err := json.Unmarshal([]byte(e.Query), &eq); err != nil || !ok {
		return true, a.failListExport(ctx, id, "导出条件无法读取，请重新导出")
	}
	y, err := a.Year(ctx, eq.Query.Year)
	if err != nil {
		return false, err
	}
	var file bytes.Buffer
	var done int
	err = a.Store.Snapshot(ctx, func(sn *store.Snapshot) error {
		total, err := d.count(ctx, sn, eq.Query)
		if err != nil {
			return err
		}
		if err := a.Store.Update(ctx, func(tx *store.Tx) error {
			_, err := tx.StartListExportRun(ctx, id, total)
			return err
		}); err != nil {
			return err
		}
		if progress != nil {
			progress(0, total)
		}
		done, err = a.writeList(ctx, sn, d, y, eq.Role, eq.Query, &file, func(n int) error {
			if err := a.Store.Update(ctx, func(tx *store.Tx) error { return tx.SetListExportDone(ctx, id, n) }); err != nil {
				return err
			}
			if progress != nil {
				progress(n, total)
			}
			return nil
		})
		return err
	})
	switch {
	case err != nil && ctx.Err() != nil:
		return false, nil // stopped: River runs the job again
	case kaowu.ErrorCode(err) == kaowu.EINVALID:
		return true, a.failListExport(ctx, id, kaowu.ErrorMessage(err))
	case err != nil:
		return false, fmt.Errorf("list export %s: %w", id, err)
	}
	err = a.Store.Update(ctx, func(tx *store.Tx) error {
		_, err := tx.FinishListExport(ctx, id, "done", "", exportName(e.List, e.CreatedAt), file.Bytes(), done, a.Clock.Now())
		return err
	})
	if err != nil {
		return false, fmt.Errorf("list export %s: %w", id, err)
	}
	return true, nil
}

func (a *App) failListExport(ctx context.Context, id, reason string) error {
	return a.Store.Update(context.WithoutCancel(ctx), func(tx *store.Tx) error {
		_, err := tx.FinishListExport(ctx, id, "failed", reason, "", nil, 0, a.Clock.Now())
		return err
	})
}

// ListExportOf returns a background export to the account that started
// it; anyone else's, and one that does not exist, are not found alike.
func (a *App) ListExportOf(ctx context.Context, actor Actor, id string) (store.ListExport, error) {
	me, err := a.actorAccount(ctx, actor)
	if err != nil {
		return store.ListExport{}, err
	}
	e, err := a.Store.ListExport(ctx, id)
	if kaowu.ErrorCode(err) == kaowu.ENOTFOUND || err == nil && e.CreatedBy != me.ID {
		return store.ListExport{}, kaowu.Errorf(kaowu.ENOTFOUND, "没有这次导出（导出文件保留 24 小时）")
	}
	return e, err
}

// ListExportFile returns a finished background export's file and name to
// the account that started it.
func (a *App) ListExportFile(ctx context.Context, actor Actor, id string) (string, []byte, error) {
	e, err := a.ListExportOf(ctx, actor, id)
	if err != nil {
		return "", nil, err
	}
	if e.State != "done" {
		return "", nil, kaowu.Errorf(kaowu.ECONFLICT, "导出尚未完成（%d/%d 条），请稍候", e.Done, e.Total)
	}
	return a.Store.ListExportFile(ctx, id)
}
