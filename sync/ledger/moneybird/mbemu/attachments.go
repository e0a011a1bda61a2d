package mbemu

import (
	"io"
	"net/http"
)

// Attachment is an entry of an invoice's attachments.
type Attachment struct {
	ID               string `json:"id"`
	AdministrationID string `json:"administration_id"`
	AttachableID     string `json:"attachable_id"`
	AttachableType   string `json:"attachable_type"`
	Filename         string `json:"filename"`
	ContentType      string `json:"content_type"`
	Size             int64  `json:"size"`
	CreatedAt        string `json:"created_at"`
	UpdatedAt        string `json:"updated_at"`
}

// AttachmentFile is an attachment with its bytes, for tests.
type AttachmentFile struct {
	Attachment
	Data []byte
}

// Attachments returns the files attached to invoice id, in order.
func (m *Moneybird) Attachments(id string) []AttachmentFile {
	m.mu.Lock()
	defer m.mu.Unlock()
	inv, ok := m.invoices[id]
	if !ok {
		return nil
	}
	return append([]AttachmentFile(nil), inv.files...)
}

// attach is POST /external_sales_invoices/{id}/attachment with the file
// in the multipart field "file" [M1]: 200 with an empty body. Without the
// field it is a 400 (the emulator's reading: APIS.md gives no error).
func (m *Moneybird) attach(w http.ResponseWriter, r *http.Request, id string) {
	m.mu.Lock()
	_, ok := m.invoices[id]
	m.mu.Unlock()
	if !ok {
		notFound(w, map[string]any{"id": "not_found"})
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, 20<<20)
	f, hdr, err := r.FormFile("file")
	if err != nil {
		symbolic(w, http.StatusBadRequest, "File is required", map[string]any{"file": "required"})
		return
	}
	defer f.Close()
	data, err := io.ReadAll(f)
	if err != nil {
		symbolic(w, http.StatusBadRequest, "File is required", map[string]any{"file": "required"})
		return
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	inv, ok := m.invoices[id]
	if !ok {
		notFound(w, map[string]any{"id": "not_found"})
		return
	}
	a := Attachment{ID: m.newID(), AdministrationID: m.admin.ID, AttachableID: id, AttachableType: "ExternalSalesInvoice",
		Filename: hdr.Filename, ContentType: hdr.Header.Get("Content-Type"), Size: int64(len(data)),
		CreatedAt: m.stamp(), UpdatedAt: m.stamp()}
	inv.files = append(inv.files, AttachmentFile{Attachment: a, Data: data})
	inv.Attachments = append(inv.Attachments, a)
	w.WriteHeader(http.StatusOK)
}
