package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"kaowu"
)

func parseStoredDate(s string) kaowu.Date {
	if s == "" {
		return kaowu.Date{}
	}
	d, err := kaowu.ParseDate(s)
	if err != nil {
		return kaowu.Date{}
	}
	return d
}

// Profile returns the profile of a candidate; one never saved is an empty
// profile (with UpdatedAt zero), not an error. The unit and photo metadata
// are filled when there are any.
func (r reader) Profile(ctx context.Context, userID string) (kaowu.Profile, error) {
	p := kaowu.Profile{UserID: userID}
	var started, registered, residency string
	err := r.q.QueryRowContext(ctx, `SELECT post, specialty_started_on, practice_registered_on, community_training_certificate,
		frontline_appraised, frontline_early_used_before, hubei_aid_award, residency_certificate_on, file_elsewhere,
		social_insurance_months, updated_at FROM profiles WHERE user_id = $1`, userID).Scan(
		&p.Work.Post, &started, &registered, &p.Work.CommunityTrainingCertificate, &p.Work.FrontlineAppraised,
		&p.Work.FrontlineEarlyUsedBefore, &p.Work.HubeiAidAward, &residency, &p.Work.FileElsewhere,
		&p.Work.SocialInsuranceMonths, &p.UpdatedAt)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return p, fmt.Errorf("profile %s: %w", userID, err)
	}
	p.UpdatedAt = p.UpdatedAt.UTC()
	p.Work.SpecialtyStartedOn = parseStoredDate(started)
	p.Work.PracticeRegisteredOn = parseStoredDate(registered)
	p.Work.ResidencyCertificateOn = parseStoredDate(residency)

	var unit sql.NullString
	var purged sql.NullTime
	if err := r.q.QueryRowContext(ctx, `SELECT unit_id, purged_at FROM users WHERE id = $1`, userID).Scan(&unit, &purged); err != nil {
		return p, fmt.Errorf("profile %s: %w", userID, notFound(err, "账号不存在"))
	}
	p.PurgedAt = timePtr(purged)
	if unit.Valid {
		p.Work.UnitID = unit.String
		u, err := r.Unit(ctx, unit.String)
		if err != nil {
			return p, err
		}
		p.Unit = &u
	}

	if err := r.each(ctx, `SELECT level, major, school, graduated_on, full_time, medical, military_school
		FROM profile_educations WHERE user_id = $1 ORDER BY seq`, userID, func(rows *sql.Rows) error {
		var e kaowu.Education
		var on string
		if err := rows.Scan(&e.Level, &e.Major, &e.School, &on, &e.FullTime, &e.Medical, &e.MilitarySchool); err != nil {
			return err
		}
		e.GraduatedOn = parseStoredDate(on)
		p.Education = append(p.Education, e)
		return nil
	}); err != nil {
		return p, err
	}
	if err := r.each(ctx, `SELECT level, specialty, obtained_on FROM profile_titles WHERE user_id = $1 ORDER BY seq`, userID, func(rows *sql.Rows) error {
		var t kaowu.HeldTitle
		var on string
		if err := rows.Scan(&t.Level, &t.Specialty, &on); err != nil {
			return err
		}
		t.ObtainedOn = parseStoredDate(on)
		p.Titles = append(p.Titles, t)
		return nil
	}); err != nil {
		return p, err
	}
	if err := r.each(ctx, `SELECT kind, category, scope, obtained_on FROM profile_licences WHERE user_id = $1 ORDER BY seq`, userID, func(rows *sql.Rows) error {
		var l kaowu.HeldLicence
		var on string
		if err := rows.Scan(&l.Kind, &l.Category, &l.Scope, &on); err != nil {
			return err
		}
		l.ObtainedOn = parseStoredDate(on)
		p.Licences = append(p.Licences, l)
		return nil
	}); err != nil {
		return p, err
	}
	if err := r.each(ctx, `SELECT changed_on, from_specialty, to_specialty FROM profile_post_changes WHERE user_id = $1 ORDER BY seq`, userID, func(rows *sql.Rows) error {
		var c kaowu.PostChange
		var on string
		if err := rows.Scan(&on, &c.From, &c.To); err != nil {
			return err
		}
		c.On = parseStoredDate(on)
		p.Posts = append(p.Posts, c)
		return nil
	}); err != nil {
		return p, err
	}
	if m, err := r.PhotoMetadata(ctx, userID); err == nil {
		p.Photo = &m
	} else if kaowu.ErrorCode(err) != kaowu.ENOTFOUND {
		return p, err
	}
	return p, nil
}

// each runs a query with one argument and calls fn for every row.
func (r reader) each(ctx context.Context, q string, arg any, fn func(*sql.Rows) error) error {
	rows, err := r.q.QueryContext(ctx, q, arg)
	if err != nil {
		return fmt.Errorf("query: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		if err := fn(rows); err != nil {
			return fmt.Errorf("scan: %w", err)
		}
	}
	return rows.Err()
}

// PutProfile replaces the profile of a candidate (work, education, titles,
// licences, post changes) and sets the account's unit.
func (tx *Tx) PutProfile(ctx context.Context, p kaowu.Profile, now time.Time) error {
	w := p.Work
	_, err := tx.q.ExecContext(ctx, `INSERT INTO profiles (user_id, post, specialty_started_on, practice_registered_on,
		community_training_certificate, frontline_appraised, frontline_early_used_before, hubei_aid_award,
		residency_certificate_on, file_elsewhere, social_insurance_months, updated_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)
		ON CONFLICT (user_id) DO UPDATE SET post = excluded.post, specialty_started_on = excluded.specialty_started_on,
		practice_registered_on = excluded.practice_registered_on,
		community_training_certificate = excluded.community_training_certificate,
		frontline_appraised = excluded.frontline_appraised, frontline_early_used_before = excluded.frontline_early_used_before,
		hubei_aid_award = excluded.hubei_aid_award, residency_certificate_on = excluded.residency_certificate_on,
		file_elsewhere = excluded.file_elsewhere, social_insurance_months = excluded.social_insurance_months,
		updated_at = excluded.updated_at`,
		p.UserID, w.Post, w.SpecialtyStartedOn.String(), w.PracticeRegisteredOn.String(), w.CommunityTrainingCertificate,
		w.FrontlineAppraised, w.FrontlineEarlyUsedBefore, w.HubeiAidAward, w.ResidencyCertificateOn.String(),
		w.FileElsewhere, w.SocialInsuranceMonths, utc(now))
	if err != nil {
		return fmt.Errorf("put profile: %w", err)
	}
	if err := tx.SetUnit(ctx, p.UserID, w.UnitID); err != nil {
		return err
	}
	for _, t := range []string{"profile_educations", "profile_titles", "profile_licences", "profile_post_changes"} {
		if _, err := tx.q.ExecContext(ctx, `DELETE FROM `+t+` WHERE user_id = $1`, p.UserID); err != nil {
			return fmt.Errorf("put profile: %w", err)
		}
	}
	for i, e := range p.Education {
		if _, err := tx.q.ExecContext(ctx, `INSERT INTO profile_educations (user_id, seq, level, major, school, graduated_on,
			full_time, medical, military_school) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
			p.UserID, i, e.Level, e.Major, e.School, e.GraduatedOn.String(), e.FullTime, e.Medical, e.MilitarySchool); err != nil {
			return fmt.Errorf("put education: %w", err)
		}
	}
	for i, t := range p.Titles {
		if _, err := tx.q.ExecContext(ctx, `INSERT INTO profile_titles (user_id, seq, level, specialty, obtained_on) VALUES ($1, $2, $3, $4, $5)`,
			p.UserID, i, string(t.Level), t.Specialty, t.ObtainedOn.String()); err != nil {
			return fmt.Errorf("put title: %w", err)
		}
	}
	for i, l := range p.Licences {
		if _, err := tx.q.ExecContext(ctx, `INSERT INTO profile_licences (user_id, seq, kind, category, scope, obtained_on) VALUES ($1, $2, $3, $4, $5, $6)`,
			p.UserID, i, l.Kind, l.Category, l.Scope, l.ObtainedOn.String()); err != nil {
			return fmt.Errorf("put licence: %w", err)
		}
	}
	for i, c := range p.Posts {
		if _, err := tx.q.ExecContext(ctx, `INSERT INTO profile_post_changes (user_id, seq, changed_on, from_specialty, to_specialty) VALUES ($1, $2, $3, $4, $5)`,
			p.UserID, i, c.On.String(), c.From, c.To); err != nil {
			return fmt.Errorf("put post change: %w", err)
		}
	}
	return nil
}

// PutPhoto stores (replaces) a candidate's photo, JPEG bytes.
func (tx *Tx) PutPhoto(ctx context.Context, userID string, jpeg []byte, width, height int, now time.Time) error {
	_, err := tx.q.ExecContext(ctx, `INSERT INTO photos (user_id, jpeg, width, height, uploaded_at) VALUES ($1, $2, $3, $4, $5)
		ON CONFLICT (user_id) DO UPDATE SET jpeg = excluded.jpeg, width = excluded.width, height = excluded.height,
		uploaded_at = excluded.uploaded_at`, userID, jpeg, width, height, utc(now))
	if err != nil {
		return fmt.Errorf("put photo: %w", err)
	}
	return nil
}

// Photo returns a candidate's photo (JPEG bytes).
func (r reader) Photo(ctx context.Context, userID string) ([]byte, kaowu.PhotoMetadata, error) {
	var b []byte
	var m kaowu.PhotoMetadata
	err := r.q.QueryRowContext(ctx, `SELECT jpeg, width, height, uploaded_at FROM photos WHERE user_id = $1`, userID).
		Scan(&b, &m.Width, &m.Height, &m.UploadedAt)
	if err != nil {
		return nil, m, fmt.Errorf("photo %s: %w", userID, notFound(err, "尚未上传照片"))
	}
	m.Bytes = len(b)
	m.UploadedAt = m.UploadedAt.UTC()
	return b, m, nil
}

// PhotoMetadata returns the size and upload time of a candidate's photo.
func (r reader) PhotoMetadata(ctx context.Context, userID string) (kaowu.PhotoMetadata, error) {
	var m kaowu.PhotoMetadata
	var n int64
	err := r.q.QueryRowContext(ctx, `SELECT width, height, LENGTH(jpeg), uploaded_at FROM photos WHERE user_id = $1`, userID).
		Scan(&m.Width, &m.Height, &n, &m.UploadedAt)
	if err != nil {
		return m, fmt.Errorf("photo %s: %w", userID, notFound(err, "尚未上传照片"))
	}
	m.Bytes = int(n)
	m.UploadedAt = m.UploadedAt.UTC()
	return m, nil
}
