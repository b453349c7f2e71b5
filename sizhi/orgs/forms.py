"""Forms of the region tree pages. They check input only; the actions decide."""

import os

from django import forms
from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext_lazy as _

from sizhi.orgs import regionfile


class RegionImportForm(forms.Form):
    VALIDATE = "validate"
    IMPORT = "import"

    file = forms.FileField(
        label=_("区域文件"),
        help_text=_(
            "CSV（UTF-8 或 GB18030 编码）或 XLSX 文件；第一行为表头：区划代码、名称、类型，"
            "可选上级代码、纬度、经度（也可用 code、name、kind、parent_code、latitude、"
            "longitude）。纬度和经度是区域的参考点（WGS84，须同时填写），留空则保留原有参考点，"
            "两列都填“-”则清除参考点。导出的文件（另有层级、拼音两列，导入时忽略）可以原样再导入。"
        ),
        error_messages={
            "required": _("请选择要导入的文件。"),
            "empty": _("文件为空。"),
            "invalid": _("上传的内容不是文件，请重新选择。"),
        },
    )
    update_existing = forms.BooleanField(
        label=_("更新已有区域"),
        required=False,
        help_text=_("勾选后，区划代码已存在而名称或类型不同的行将按文件修改；否则列为冲突。"),
    )
    mode = forms.ChoiceField(
        choices=[(VALIDATE, _("仅校验")), (IMPORT, _("导入"))],
        required=False,
        widget=forms.HiddenInput,
    )

    def clean_file(self) -> UploadedFile:
        upload: UploadedFile = self.cleaned_data["file"]
        extension = os.path.splitext((upload.name or "").lower())[1]
        if extension not in regionfile.EXTENSIONS:
            raise forms.ValidationError(
                _("不支持的文件类型，请上传 CSV 或 XLSX 文件。"), code="file_type"
            )
        if (upload.size or 0) > regionfile.MAX_FILE_BYTES:
            raise forms.ValidationError(
                _("文件过大，上限为%(size)dMB。"),
                code="file_size",
                params={"size": regionfile.MAX_FILE_BYTES // (1024 * 1024)},
            )
        return upload

    def clean_mode(self) -> str:
        return self.cleaned_data.get("mode") or self.IMPORT

    @property
    def validate_only(self) -> bool:
        return self.cleaned_data.get("mode") == self.VALIDATE
