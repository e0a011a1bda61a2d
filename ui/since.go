package ui

import (
	"errors"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/widget"
)

// sinceChoice is "Vanaf wanneer boeken?": from now (the default: older
// orders are in the books already), or from a date (a backfill).
type sinceChoice struct {
	content fyne.CanvasObject
	choice  *widget.RadioGroup
	date    *widget.Entry
}

func newSinceChoice() *sinceChoice {
	c := &sinceChoice{date: widget.NewEntry()}
	c.date.SetPlaceHolder(lang.L("date.placeholder"))
	now, from := lang.L("wizard.since.now"), lang.L("wizard.since.date")
	c.choice = widget.NewRadioGroup([]string{now, from}, func(s string) {
		if s == from {
			c.date.Enable()
		} else {
			c.date.Disable()
		}
	})
	c.choice.Required = true
	c.choice.SetSelected(now)
	c.content = container.NewVBox(c.choice, c.date)
	return c
}

// fromDate chooses "from a date" with the date d (tests, and a form that
// shows a shop's start date).
func (c *sinceChoice) fromDate(d time.Time) {
	c.choice.SetSelected(lang.L("wizard.since.date"))
	c.date.SetText(d.Local().Format("02-01-2006"))
}

// value is the chosen start: zero for "from now".
func (c *sinceChoice) value() (time.Time, error) {
	if c.choice.Selected != lang.L("wizard.since.date") {
		return time.Time{}, nil
	}
	return parseDay(c.date.Text)
}

// errBadDate is a date not written as dd-mm-jjjj.
var errBadDate = errors.New("date: use dd-mm-yyyy")

// parseDay reads a day as people write it here (31-12-2026, 31/12/2026,
// or 2026-12-31): the start of that day in local time.
func parseDay(s string) (time.Time, error) {
	s = strings.TrimSpace(s)
	for _, layout := range []string{"02-01-2006", "2-1-2006", "02/01/2006", "2/1/2006", "2006-01-02"} {
		if t, err := time.ParseInLocation(layout, s, time.Local); err == nil {
			return t, nil
		}
	}
	return time.Time{}, errBadDate
}
