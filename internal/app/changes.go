package app

import (
	"context"
	"fmt"

	"kaowu"
	"kaowu/internal/photo"
	"kaowu/internal/store"
)

// ChangeInput is a registration change request as the candidate submits it
// (《考生申请修改/删除注册信息须知》, 二（一）4(4)).
type ChangeInput struct {
	Kind        kaowu.ChangeKind
	NewName     string
	NewIDType   string
	NewIDNumber string
	Reason      string
	Evidence    []byte
}

// RequestChange stores the actor's request to change their name, ID type
// or ID number, or to delete their registration: fields a candidate cannot
// change themselves (二（一）4(4)). The evidence is an image, validated like
// the photo.
func (a *App) RequestChange(ctx context.Context, actor Actor, in ChangeInput) (kaowu.ChangeRequest, error) {
	me, err := a.actorAccount(ctx, actor)
	if err != nil {
		return kaowu.ChangeRequest{}, err
	}
	if me.Role != kaowu.RoleCandidate {
		return kaowu.ChangeRequest{}, kaowu.Errorf(kaowu.EFORBIDDEN, "只有考生可以申请修改或删除注册信息")
	}
	f := fieldErrors{}
	c := kaowu.ChangeRequest{UserID: me.ID, Kind: in.Kind, CreatedAt: a.Clock.Now()}
	switch in.Kind {
	case kaowu.ChangeIdentity:
		c.NewName = f.name("new_name", in.NewName)
		t := kaowu.IDType(in.NewIDType)
		if !t.Online() {
			f.add("new_id_type", "请选择证件类型（军官证不能在网上注册）")
		} else {
			id, err := kaowu.ParseIDNumber(t, in.NewIDNumber, a.today())
			if e := kaowu.ErrorFields(err); e != nil {
				f.add("new_id_number", e["id_number"])
			}
			c.NewIDType, c.NewIDNumber = t, id.Number
		}
		if len(f) == 0 && c.NewName == me.Name && c.NewIDType == me.IDType && c.NewIDNumber == me.IDNumber {
			f.add("new_name", "新的姓名和证件与现在的相同，无需申请")
		}
	case kaowu.ChangeDelete:
	default:
		f.add("kind", "请选择申请类型：修改注册信息或删除注册信息")
	}
	c.Reason = f.text("reason", "申请理由", in.Reason, 5, 200)
	res, err := photo.Process(in.Evidence, photo.Evidence)
	if err := f.merge(err); err != nil {
		return kaowu.ChangeRequest{}, err
	}
	c.Evidence = res.JPEG
	if err := f.err(); err != nil {
		return kaowu.ChangeRequest{}, err
	}
	if c.Kind == kaowu.ChangeIdentity && (c.NewIDType != me.IDType || c.NewIDNumber != me.IDNumber) {
		// A courtesy check: the unique constraint decides at approval.
		if other, err := a.Store.AccountByID(ctx, c.NewIDType, c.NewIDNumber); err == nil && other.ID != me.ID {
			return kaowu.ChangeRequest{}, &kaowu.Error{Code: kaowu.ECONFLICT, Message: "新证件号码已被其他账号注册；如该账号也是您本人的，请申请删除其中一个。",
				Fields: map[string]string{"new_id_number": "该证件号码已注册"}}
		}
	}
	err = a.Store.Update(ctx, func(tx *store.Tx) error {
		if err := tx.CreateChangeRequest(ctx, &c); err != nil {
			return err
		}
		after := map[string]any{"request": c.ID, "kind": c.Kind, "reason": c.Reason}
		if c.Kind == kaowu.ChangeIdentity {
			after["new"] = identity{Name: c.NewName, IDType: c.NewIDType, IDNumber: c.NewIDNumber.String()}
		}
		return a.auditChange(ctx, tx, actor, "change_request.submit", me.ID, "提交"+kindLabel(c.Kind)+"申请", identityOf(me), after)
	})
	if err != nil {
		return kaowu.ChangeRequest{}, fmt.Errorf("request change: %w", err)
	}
	c.Evidence = nil
	return c, nil
}

func kindLabel(k kaowu.ChangeKind) string {
	if k == kaowu.ChangeDelete {
		return "删除注册信息"
	}
	return "修改注册信息"
}

// MyChangeRequests returns the actor's own requests, newest first.
func (a *App) MyChangeRequests(ctx context.Context, actor Actor) ([]kaowu.ChangeRequest, error) {
	me, err := a.actorAccount(ctx, actor)
	if err != nil {
		return nil, err
	}
	return a.Store.ChangeRequests(ctx, "", me.ID)
}

// ChangeRequests returns the requests of a status that the actor (site
// office, region office, admin) may decide, each with its requester.
func (a *App) ChangeRequests(ctx context.Context, actor Actor, status kaowu.ChangeStatus) ([]kaowu.ChangeRequest, error) {
	if !canDecide(actor) {
		return nil, kaowu.Errorf(kaowu.EFORBIDDEN, "只有考点考试管理机构可以审核注册信息修改申请")
	}
	all, err := a.Store.ChangeRequests(ctx, status, "")
	if err != nil {
		return nil, err
	}
	var out []kaowu.ChangeRequest
	for _, c := range all {
		cand, err := a.authorize(ctx, actor, c.UserID, false)
		if kaowu.ErrorCode(err) == kaowu.EFORBIDDEN {
			continue
		}
		if err != nil {
			return nil, err
		}
		c.Account = &cand
		out = append(out, c)
	}
	return out, nil
}

func canDecide(actor Actor) bool {
	return actor.Role == kaowu.RoleSiteStaff || actor.Role == kaowu.RoleRegionStaff || actor.Role == kaowu.RoleAdmin
}

// ChangeRequest returns one request with its evidence, to its requester or
// to staff who may decide it.
func (a *App) ChangeRequest(ctx context.Context, actor Actor, id string) (kaowu.ChangeRequest, error) {
	if actor.Role != kaowu.RoleCandidate && !canDecide(actor) {
		return kaowu.ChangeRequest{}, kaowu.Errorf(kaowu.EFORBIDDEN, "您无权查看此申请")
	}
	c, err := a.Store.ChangeRequest(ctx, id)
	if err != nil {
		return c, notYours(err)
	}
	cand, err := a.authorize(ctx, actor, c.UserID, false)
	if err != nil {
		return kaowu.ChangeRequest{}, err
	}
	c.Account = &cand
	return c, nil
}

// DecideChange approves or rejects a pending request. Approval applies it
// in the same transaction: the identity fields change (a document
// registered to another account is refused), or the registration is
// deleted when the candidate has no application in an open exam year.
// reason is required for a rejection.
func (a *App) DecideChange(ctx context.Context, actor Actor, id string, approve bool, reason string) error {
	if !canDecide(actor) {
		return kaowu.Errorf(kaowu.EFORBIDDEN, "只有考点考试管理机构可以审核注册信息修改申请")
	}
	f := fieldErrors{}
	min := 0
	if !approve {
		min = 2
	}
	reason = f.text("decision_reason", "审核意见", reason, min, 200)
	if err := f.err(); err != nil {
		return err
	}
	c, err := a.ChangeRequest(ctx, actor, id)
	if err != nil {
		return err
	}
	now := a.Clock.Now()
	err = a.Store.Update(ctx, func(tx *store.Tx) error {
		cand, err := tx.Account(ctx, c.UserID)
		if err != nil {
			return err
		}
		status := kaowu.ChangeRejected
		if approve {
			status = kaowu.ChangeApproved
		}
		if err := tx.DecideChangeRequest(ctx, c.ID, status, actor.Username, reason, now); err != nil {
			return err
		}
		if !approve {
			return a.auditChange(ctx, tx, actor, "change_request.reject", cand.ID,
				fmt.Sprintf("驳回%s申请 %s：%s", kindLabel(c.Kind), c.ID, reason), identityOf(cand), identityOf(cand))
		}
		switch c.Kind {
		case kaowu.ChangeIdentity:
			if err := tx.SetIdentity(ctx, cand.ID, c.NewName, c.NewIDType, c.NewIDNumber); err != nil {
				return err
			}
			after := cand
			after.Name, after.IDType, after.IDNumber = c.NewName, c.NewIDType, c.NewIDNumber
			return a.auditChange(ctx, tx, actor, "change_request.approve", cand.ID,
				fmt.Sprintf("批准修改注册信息申请 %s（二（一）4(4)）：%s", c.ID, reason), identityOf(cand), identityOf(after))
		case kaowu.ChangeDelete:
			open, err := a.hasOpenApplication(ctx, tx, cand.ID)
			if err != nil {
				return err
			}
			if open {
				return kaowu.Errorf(kaowu.ECONFLICT, "该考生在报名中的考试年度有报名信息，不能删除注册信息")
			}
			if err := tx.DeleteAccount(ctx, cand.ID, now); err != nil {
				return err
			}
			return a.auditChange(ctx, tx, actor, "change_request.approve", cand.ID,
				fmt.Sprintf("批准删除注册信息申请 %s（二（一）4(4)）：%s", c.ID, reason), identityOf(cand), map[string]any{"deleted": true})
		}
		return fmt.Errorf("unknown change kind %q", c.Kind)
	})
	if err != nil {
		return fmt.Errorf("decide change request: %w", err)
	}
	return nil
}

// hasOpenApplication reports whether a candidate has an application in an
// exam year whose process is still open: any state but void, rejected or
// forfeited, in the current exam year or later. It is the one place that
// decides whether a registration may be deleted.
func (a *App) hasOpenApplication(ctx context.Context, tx *store.Tx, userID string) (bool, error) {
	y, err := a.CurrentYear(ctx)
	if err != nil {
		return false, err
	}
	return tx.HasOpenApplication(ctx, userID, y.Year)
}
