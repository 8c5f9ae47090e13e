package standin

import (
	"context"
	"crypto/rand"
	"fmt"
	"math/big"

	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/booldefault"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/boolplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/int64default"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/int64planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/mapplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/types"
)

// randomString is hashicorp/random's random_string (schema version 2).
type randomString struct{}

type randomStringModel struct {
	ID              types.String `tfsdk:"id"`
	Keepers         types.Map    `tfsdk:"keepers"`
	Length          types.Int64  `tfsdk:"length"`
	Special         types.Bool   `tfsdk:"special"`
	Upper           types.Bool   `tfsdk:"upper"`
	Lower           types.Bool   `tfsdk:"lower"`
	Number          types.Bool   `tfsdk:"number"`
	Numeric         types.Bool   `tfsdk:"numeric"`
	MinNumeric      types.Int64  `tfsdk:"min_numeric"`
	MinUpper        types.Int64  `tfsdk:"min_upper"`
	MinLower        types.Int64  `tfsdk:"min_lower"`
	MinSpecial      types.Int64  `tfsdk:"min_special"`
	OverrideSpecial types.String `tfsdk:"override_special"`
	Result          types.String `tfsdk:"result"`
}

func newRandomString() resource.Resource { return randomString{} }

func (randomString) Metadata(_ context.Context, _ resource.MetadataRequest, resp *resource.MetadataResponse) {
	resp.TypeName = "random_string"
}

func (randomString) Schema(_ context.Context, _ resource.SchemaRequest, resp *resource.SchemaResponse) {
	replaceBool := []planmodifier.Bool{boolplanmodifier.RequiresReplace()}
	flag := func() schema.BoolAttribute {
		return schema.BoolAttribute{Optional: true, Computed: true, Default: booldefault.StaticBool(true), PlanModifiers: replaceBool}
	}
	minimum := func() schema.Int64Attribute {
		return schema.Int64Attribute{Optional: true, Computed: true, Default: int64default.StaticInt64(0),
			PlanModifiers: []planmodifier.Int64{int64planmodifier.RequiresReplace()}}
	}
	keep := []planmodifier.String{stringplanmodifier.UseStateForUnknown()}
	number := flag()
	number.DeprecationMessage = "Use numeric instead."
	resp.Schema = schema.Schema{
		Version: 2,
		Attributes: map[string]schema.Attribute{
			"keepers": schema.MapAttribute{ElementType: types.StringType, Optional: true,
				PlanModifiers: []planmodifier.Map{mapplanmodifier.RequiresReplace()}},
			"length": schema.Int64Attribute{Required: true,
				PlanModifiers: []planmodifier.Int64{int64planmodifier.RequiresReplace()}},
			"special":     flag(),
			"upper":       flag(),
			"lower":       flag(),
			"number":      number,
			"numeric":     flag(),
			"min_numeric": minimum(),
			"min_upper":   minimum(),
			"min_lower":   minimum(),
			"min_special": minimum(),
			"override_special": schema.StringAttribute{Optional: true,
				PlanModifiers: []planmodifier.String{stringplanmodifier.RequiresReplace()}},
			"result": schema.StringAttribute{Computed: true, PlanModifiers: keep},
			"id":     schema.StringAttribute{Computed: true, PlanModifiers: keep},
		},
	}
}

func (randomString) Create(ctx context.Context, req resource.CreateRequest, resp *resource.CreateResponse) {
	var m randomStringModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &m)...)
	if resp.Diagnostics.HasError() {
		return
	}
	special := "!@#$%&*()-_=+[]{}<>:?"
	if !m.OverrideSpecial.IsNull() {
		special = m.OverrideSpecial.ValueString()
	}
	numeric := m.Numeric.ValueBool() && m.Number.ValueBool()
	result, err := randomChars(int(m.Length.ValueInt64()), []charClass{
		{"ABCDEFGHIJKLMNOPQRSTUVWXYZ", m.Upper.ValueBool(), int(m.MinUpper.ValueInt64())},
		{"abcdefghijklmnopqrstuvwxyz", m.Lower.ValueBool(), int(m.MinLower.ValueInt64())},
		{"0123456789", numeric, int(m.MinNumeric.ValueInt64())},
		{special, m.Special.ValueBool(), int(m.MinSpecial.ValueInt64())},
	})
	if err != nil {
		resp.Diagnostics.AddAttributeError(path.Root("length"), "random_string: generate result", err.Error())
		return
	}
	m.Result = types.StringValue(result)
	m.ID = m.Result
	resp.Diagnostics.Append(resp.State.Set(ctx, &m)...)
}

func (randomString) Read(context.Context, resource.ReadRequest, *resource.ReadResponse) {}

func (randomString) Update(ctx context.Context, req resource.UpdateRequest, resp *resource.UpdateResponse) {
	var m randomStringModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &m)...)
	resp.Diagnostics.Append(resp.State.Set(ctx, &m)...)
}

func (randomString) Delete(context.Context, resource.DeleteRequest, *resource.DeleteResponse) {}

type charClass struct {
	chars   string
	enabled bool
	min     int
}

// randomChars draws each class's minimum first, fills the rest from every
// enabled class, then shuffles, as hashicorp/random does.
func randomChars(length int, classes []charClass) (string, error) {
	var all string
	var out []byte
	for _, c := range classes {
		if !c.enabled || c.chars == "" {
			continue
		}
		all += c.chars
		for range c.min {
			b, err := pick(c.chars)
			if err != nil {
				return "", err
			}
			out = append(out, b)
		}
	}
	if all == "" {
		return "", fmt.Errorf("every character class is disabled; enable at least one of upper, lower, numeric, special")
	}
	if len(out) > length {
		return "", fmt.Errorf("length %d is shorter than the sum of the min_* values (%d); raise length", length, len(out))
	}
	for len(out) < length {
		b, err := pick(all)
		if err != nil {
			return "", err
		}
		out = append(out, b)
	}
	for i := len(out) - 1; i > 0; i-- {
		j, err := rand.Int(rand.Reader, big.NewInt(int64(i+1)))
		if err != nil {
			return "", err
		}
		out[i], out[j.Int64()] = out[j.Int64()], out[i]
	}
	return string(out), nil
}

func pick(chars string) (byte, error) {
	n, err := rand.Int(rand.Reader, big.NewInt(int64(len(chars))))
	if err != nil {
		return 0, fmt.Errorf("read random bytes: %w", err)
	}
	return chars[n.Int64()], nil
}
