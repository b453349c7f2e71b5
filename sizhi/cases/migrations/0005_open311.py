"""Open311: service attributes of categories, and the answers and photo link of a case."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('cases', '0004_petition_index'),
    ]

    operations = [
        migrations.AddField(
            model_name='case',
            name='attributes',
            field=models.JSONField(blank=True, default=dict, verbose_name='附加信息'),
        ),
        migrations.AddField(
            model_name='case',
            name='media_url',
            field=models.URLField(blank=True, max_length=500, verbose_name='图片链接'),
        ),
        migrations.CreateModel(
            name='ServiceAttribute',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('code', models.CharField(max_length=40, verbose_name='编码')),
                ('variable', models.BooleanField(default=True, verbose_name='需要填写')),
                ('datatype', models.CharField(choices=[('string', '单行文本'), ('number', '数字'), ('datetime', '日期时间'), ('text', '多行文本'), ('singlevaluelist', '单选'), ('multivaluelist', '多选')], max_length=16, verbose_name='数据类型')),
                ('required', models.BooleanField(default=False, verbose_name='必填')),
                ('description', models.CharField(max_length=500, verbose_name='说明')),
                ('datatype_description', models.CharField(blank=True, max_length=200, verbose_name='填写提示')),
                ('order', models.PositiveSmallIntegerField(default=1, verbose_name='顺序')),
                ('values', models.JSONField(blank=True, default=list, verbose_name='可选值')),
                ('updated_at', models.DateTimeField(auto_now=True, verbose_name='更新时间')),
                ('category', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='service_attributes', to='cases.category', verbose_name='分类')),
            ],
            options={
                'verbose_name': '服务属性',
                'verbose_name_plural': '服务属性',
                'ordering': ['category', 'order', 'id'],
                'constraints': [models.UniqueConstraint(fields=('category', 'code'), name='service_attribute_code'), models.UniqueConstraint(fields=('category', 'order'), name='service_attribute_order'), models.CheckConstraint(condition=models.Q(('order__gte', 1)), name='service_attribute_order_min')],
            },
        ),
    ]
