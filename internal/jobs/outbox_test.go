package jobs_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"

	"kaowu"
	"kaowu/internal/jobs"
	"kaowu/internal/notify"
	"kaowu/internal/store"
)

// A reminder enqueued in a transaction that commits reaches the inbox,
// Mailpit and the WeChat stub, each exactly once.
func TestCommitDeliversOnce(t *testing.T) {
	engines(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		k := newSinks(t)
		j, ev := start(t, s, testConfig(), k.channels(t)...)
		user := newUser(t, s)
		r := enqueue(t, s, j, reminder(user))
		ev.wait(t, river.EventKindJobCompleted, 2)

		inbox, err := s.Inbox(ctx, user, 10, false)
		if err != nil {
			t.Fatal(err)
		}
		if len(inbox) != 1 || inbox[0].ID != r.ID || inbox[0].Title != r.Title || inbox[0].Read() {
			t.Fatalf("inbox = %+v", inbox)
		}

		mails, err := k.mailpit.Messages(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if len(mails) != 1 {
			t.Fatalf("mailpit holds %d messages, want 1", len(mails))
		}
		m := mails[0]
		if m.Subject != r.Title {
			t.Errorf("subject = %q, want %q", m.Subject, r.Title)
		}
		if len(m.To) != 1 || m.To[0].Address != emailOf(user) {
			t.Errorf("to = %v, want %s", m.To, emailOf(user))
		}
		if m.From == nil || m.From.Name != "北京市丰台区考点" {
			t.Errorf("from = %v", m.From)
		}
		for _, want := range []string{r.Body, "查看详情：" + linkBase + r.Link, "北京时间"} {
			if !strings.Contains(m.Text, want) {
				t.Errorf("mail text lacks %q:\n%s", want, m.Text)
			}
		}
		if m.MessageID != "reminder."+r.ID+"@fengtai.example" {
			t.Errorf("Message-ID = %q", m.MessageID)
		}

		wx := k.stub.Messages()
		if len(wx) != 1 {
			t.Fatalf("stub received %d template messages, want 1", len(wx))
		}
		w := wx[0]
		if w.ToUser != openIDOf(user) || w.TemplateID != templateID || w.URL != linkBase+r.Link ||
			w.Data["first"].Value != r.Title || w.Data["keyword1"].Value != r.Body || w.Data["remark"].Value == "" {
			t.Errorf("template message = %+v", w)
		}
		if n := k.stub.TokenRequests(); n != 1 {
			t.Errorf("token requests = %d, want 1", n)
		}

		ds, err := s.Deliveries(ctx, r.ID)
		if err != nil {
			t.Fatal(err)
		}
		if len(ds) != 2 || ds[0].Channel != notify.EmailChannel || ds[1].Channel != notify.WeChatChannel ||
			ds[0].Status != store.DeliverySent || ds[1].Status != store.DeliverySent || ds[0].Attempt != 1 {
			t.Errorf("deliveries = %+v", ds)
		}
		for _, job := range deliverJobs(t, j) {
			if job.State != rivertype.JobStateCompleted {
				t.Errorf("job %d is %s", job.ID, job.State)
			}
		}
	})
}

// A reminder enqueued in a transaction that rolls back leaves nothing:
// no inbox row, no job, so nothing can ever be sent.
func TestRollbackLeavesNothing(t *testing.T) {
	engines(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		k := newSinks(t)
		j, ev := start(t, s, testConfig(), k.channels(t)...)
		user := newUser(t, s)
		boom := errors.New("state change refused")
		err := s.Update(ctx, func(tx *store.Tx) error {
			if _, err := j.Enqueue(ctx, tx, reminder(user)); err != nil {
				return err
			}
			return boom
		})
		if !errors.Is(err, boom) {
			t.Fatalf("update = %v", err)
		}
		// Then a committed one, so that the worker has certainly polled
		// past the rolled-back transaction.
		r := enqueue(t, s, j, reminder(user))
		ev.wait(t, river.EventKindJobCompleted, 2)

		inbox, err := s.Inbox(ctx, user, 10, false)
		if err != nil {
			t.Fatal(err)
		}
		if len(inbox) != 1 || inbox[0].ID != r.ID {
			t.Errorf("inbox = %+v, want only the committed reminder", inbox)
		}
		if jobs := deliverJobs(t, j); len(jobs) != 2 {
			t.Errorf("%d delivery jobs, want the committed reminder's 2", len(jobs))
		}
		if mails := must(k.mailpit.Messages(ctx)); len(mails) != 1 {
			t.Errorf("mailpit holds %d messages, want 1", len(mails))
		}
		if wx := k.stub.Messages(); len(wx) != 1 {
			t.Errorf("stub received %d messages, want 1", len(wx))
		}
		if n := ev.count(river.EventKindJobCompleted); n != 2 {
			t.Errorf("%d jobs completed, want 2", n)
		}
	})
}

// WeChat failing twice (errcode -1, 系统繁忙) delivers on the third
// attempt, once.
func TestRetryDeliversOnThirdAttempt(t *testing.T) {
	engines(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		k := newSinks(t)
		j, ev := start(t, s, testConfig(), k.channels(t)...)
		user := newUser(t, s)
		k.stub.FailNext(2)
		r := enqueue(t, s, j, reminder(user))
		ev.wait(t, river.EventKindJobCompleted, 2)

		if n := ev.count(river.EventKindJobFailed); n != 2 {
			t.Errorf("%d failed attempts, want 2", n)
		}
		var wxJob *rivertype.JobRow
		for _, job := range ev.completed() {
			if strings.Contains(string(job.EncodedArgs), `"wechat"`) {
				wxJob = job
			}
		}
		if wxJob == nil || wxJob.Attempt != 3 || len(wxJob.Errors) != 2 || !strings.Contains(wxJob.Errors[0].Error, "errcode -1") {
			t.Fatalf("wechat job = %+v", wxJob)
		}
		if wx := k.stub.Messages(); len(wx) != 1 {
			t.Errorf("stub received %d messages, want 1", len(wx))
		}
		d, ok, err := s.Delivery(ctx, r.ID, notify.WeChatChannel)
		if err != nil || !ok || d.Attempt != 3 || d.Status != store.DeliverySent {
			t.Errorf("delivery = %+v, %v, %v", d, ok, err)
		}
		if mails := must(k.mailpit.Messages(ctx)); len(mails) != 1 {
			t.Errorf("mailpit holds %d messages, want 1", len(mails))
		}
	})
}

// dupArgs is a delivery job for the same key that River's unique insert
// does not catch (as after the job cleaner has removed the completed job):
// the same kind and arguments, without the unique option.
type dupArgs struct {
	ReminderID string `json:"reminder_id"`
	Channel    string `json:"channel"`
}

func (dupArgs) Kind() string { return notify.DeliverArgs{}.Kind() }
func (dupArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{Queue: notify.Queue}
}

// A second job for the same (reminder, channel) sends nothing: River's
// unique insert skips it while the first is known, and the delivery record
// stops one that gets through.
func TestDuplicateJobDeliversOnce(t *testing.T) {
	engines(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		k := newSinks(t)
		j, ev := start(t, s, testConfig(), k.channels(t)...)
		user := newUser(t, s)
		r := enqueue(t, s, j, reminder(user))
		ev.wait(t, river.EventKindJobCompleted, 2)

		for _, ch := range []string{notify.EmailChannel, notify.WeChatChannel} {
			res, err := j.Client().Insert(ctx, notify.DeliverArgs{ReminderID: r.ID, Channel: ch}, nil)
			if err != nil {
				t.Fatal(err)
			}
			if !res.UniqueSkippedAsDuplicate {
				t.Errorf("%s: duplicate job inserted", ch)
			}
			if _, err := j.Client().Insert(ctx, dupArgs{ReminderID: r.ID, Channel: ch}, nil); err != nil {
				t.Fatal(err)
			}
		}
		ev.wait(t, river.EventKindJobCompleted, 4)
		if mails := must(k.mailpit.Messages(ctx)); len(mails) != 1 {
			t.Errorf("mailpit holds %d messages, want 1", len(mails))
		}
		if wx := k.stub.Messages(); len(wx) != 1 {
			t.Errorf("stub received %d messages, want 1", len(wx))
		}
		ds := must(s.Deliveries(ctx, r.ID))
		if len(ds) != 2 || ds[0].Attempt != 1 || ds[1].Attempt != 1 {
			t.Errorf("deliveries = %+v", ds)
		}
		// Enqueuing the same reminder again is refused whole.
		err := s.Update(ctx, func(tx *store.Tx) error { _, err := j.Enqueue(ctx, tx, r); return err })
		if kaowu.ErrorCode(err) != kaowu.ECONFLICT {
			t.Errorf("enqueue same id = %v, want conflict", err)
		}
	})
}

// A user with no email on file and WeChat not bound gets the inbox row;
// both deliveries are recorded as skipped, nothing is sent or retried.
func TestNoAddressSkipped(t *testing.T) {
	engines(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		k := newSinks(t)
		user := newUser(t, s)
		j, ev := start(t, s, testConfig(), k.channels(t, user)...)
		r := enqueue(t, s, j, reminder(user))
		ev.wait(t, river.EventKindJobCompleted, 2)
		for _, d := range must(s.Deliveries(ctx, r.ID)) {
			if d.Status != store.DeliverySkipped || d.Attempt != 1 {
				t.Errorf("delivery = %+v", d)
			}
		}
		if n := ev.count(river.EventKindJobFailed); n != 0 {
			t.Errorf("%d failed attempts", n)
		}
		if mails := must(k.mailpit.Messages(ctx)); len(mails) != 0 || len(k.stub.Messages()) != 0 {
			t.Errorf("sent %d mails, %d template messages", len(mails), len(k.stub.Messages()))
		}
		if n := must(s.UnreadReminders(ctx, user)); n != 1 {
			t.Errorf("unread = %d", n)
		}
	})
}

// A process started with --worker=false inserts jobs and works none; a
// worker process delivers them.
func TestInsertOnlyClient(t *testing.T) {
	engines(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		k := newSinks(t)
		web, err := jobs.New(ctx, s, kaowu.SystemClock{}, testLog(t), jobs.Config{InsertOnly: true}, k.channels(t)...)
		if err != nil {
			t.Fatal(err)
		}
		if err := web.Start(ctx); err != nil {
			t.Fatal(err)
		}
		defer web.Stop(ctx)
		user := newUser(t, s)
		enqueue(t, s, web, reminder(user))
		for _, job := range deliverJobs(t, web) {
			if job.State != rivertype.JobStateAvailable {
				t.Errorf("job %d is %s before any worker runs", job.ID, job.State)
			}
		}
		_, ev := start(t, s, testConfig(), k.channels(t)...)
		ev.wait(t, river.EventKindJobCompleted, 2)
		if wx := k.stub.Messages(); len(wx) != 1 {
			t.Errorf("stub received %d messages, want 1", len(wx))
		}
	})
}

// gate is a channel whose deliveries wait until released.
type gate struct {
	entered chan struct{}
	release chan struct{}
	sent    chan string
}

func newGate() *gate {
	return &gate{entered: make(chan struct{}, 10), release: make(chan struct{}), sent: make(chan string, 10)}
}

func (*gate) Name() string { return "gate" }

func (g *gate) Deliver(ctx context.Context, r kaowu.Reminder) error {
	g.entered <- struct{}{}
	select {
	case <-g.release:
		g.sent <- r.ID
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Stop waits for a running delivery to finish; one that does not finish
// before Stop's deadline is cancelled, records nothing, and runs again in
// the next process.
func TestStopDrainsThenCancels(t *testing.T) {
	engines(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		g := newGate()
		cfg := testConfig()
		j, err := jobs.New(ctx, s, kaowu.SystemClock{}, testLog(t), cfg, g)
		if err != nil {
			t.Fatal(err)
		}
		ev := subscribe(j)
		defer ev.cancel()
		if err := j.Start(ctx); err != nil {
			t.Fatal(err)
		}
		user := newUser(t, s)
		first := enqueue(t, s, j, reminder(user))
		<-g.entered
		stopped := make(chan error, 1)
		go func() { stopped <- j.Stop(ctx) }()
		select {
		case err := <-stopped:
			t.Fatalf("Stop returned (%v) while a delivery was running", err)
		case g.release <- struct{}{}:
		}
		if err := <-stopped; err != nil {
			t.Fatal(err)
		}
		if _, ok, _ := s.Delivery(ctx, first.ID, "gate"); !ok {
			t.Error("drained delivery not recorded")
		}

		// Now a delivery that hangs past Stop's deadline.
		j2, err := jobs.New(ctx, s, kaowu.SystemClock{}, testLog(t), cfg, g)
		if err != nil {
			t.Fatal(err)
		}
		if err := j2.Start(ctx); err != nil {
			t.Fatal(err)
		}
		second := enqueue(t, s, j2, reminder(user))
		<-g.entered
		short, cancel := context.WithTimeout(ctx, 200*time.Millisecond)
		defer cancel()
		if err := j2.Stop(short); err != nil {
			t.Fatal(err)
		}
		if _, ok, _ := s.Delivery(ctx, second.ID, "gate"); ok {
			t.Fatal("cancelled delivery recorded")
		}
		// The next process delivers it.
		_, ev3 := start(t, s, cfg, g)
		<-g.entered
		g.release <- struct{}{}
		ev3.wait(t, river.EventKindJobCompleted, 1)
		if d, ok, _ := s.Delivery(ctx, second.ID, "gate"); !ok || d.Status != store.DeliverySent {
			t.Errorf("delivery = %+v, %v; want recorded by the next process", d, ok)
		}
	})
}
