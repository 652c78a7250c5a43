# A default questionnaire so that an evaluator can start a survey on a fresh installation; admins edit or add more.

from django.db import migrations

NAME = "社工站服务对象满意度问卷（通用）"
INTRO = "您好！我们受委托对本街道社工服务站的服务进行评估，想了解您对服务的看法。问卷匿名，约需 2 分钟，感谢您的支持。"
QUESTIONS = [
    "您对社工的服务态度是否满意？",
    "您对社工提供服务的及时性是否满意？",
    "您对社工服务解决您需求的效果是否满意？",
    "您对社工站组织的活动是否满意？",
    "总体而言，您对社工站的服务是否满意？",
]


def create(apps, schema_editor):
    Template = apps.get_model("surveys", "QuestionnaireTemplate")
    Question = apps.get_model("surveys", "TemplateQuestion")
    template, created = Template.objects.get_or_create(name=NAME, defaults={"introduction": INTRO})
    if created:
        Question.objects.bulk_create(
            Question(template=template, order=i, text=text, scale="five") for i, text in enumerate(QUESTIONS, start=1)
        )


def remove(apps, schema_editor):
    apps.get_model("surveys", "QuestionnaireTemplate").objects.filter(name=NAME).delete()


class Migration(migrations.Migration):
    dependencies = [("surveys", "0001_initial")]
    operations = [migrations.RunPython(create, remove)]
