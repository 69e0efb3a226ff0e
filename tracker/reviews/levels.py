"""The seed's descriptions of each qualitative criterion's levels (form 5, 售后服务部绩效考核表).

优秀 is 5 points, 合格 2–4, 不合格 0–1; the review form shows these beside each rating so a rater reads what a
level means. Transcribed from ../shared/seed/after-sales-appraisal-forms.txt (the form's table, un-flattened).
"""

from flask_babel import lazy_gettext as _l

LEVELS = (("5", _l("优秀")), ("2–4", _l("合格")), ("0–1", _l("不合格")))

DESCRIPTIONS = {
    "responsibility": (
        _l("工作一丝不苟，勇于承担上司赋予的责任，除做好本职工作外还主动承担公司内部额外的工作"),
        _l("工作勤奋，责任心较强，基本能完成日常工作，自觉完成工作任务且对自己的行为负责"),
        _l("工作敷衍、马虎，不能保质保量地完成工作任务，工作态度不认真"),
    ),
    "discipline": (
        _l("无违纪现象，没有处罚，全勤，严格遵守公司各项规章制度"),
        _l("无处罚、无违纪行为，能够遵守公司规章制度，但本月有请假、迟到、早退等"),
        _l("有处罚，不遵守公司规章制度，有二次以上违纪现象"),
    ),
    "initiative": (
        _l("工作热情，积极主动地开展工作，完成分内分外工作；服从领导安排，有效配合领导完成各项工作"),
        _l("工作较主动，基本能主动完成本职工作；虽心存不满但仍能完成领导分配的任务"),
        _l("工作被动、懈怠，不能按时按量完成领导分配的任务"),
    ),
    "loyalty": (
        _l("对公司忠诚，维护公司整体形象，听到或看到不利于公司的情况能及时做出有效的解释"),
        _l("对公司忠诚，维护公司整体形象"),
        _l("对公司不忠诚，常发表不利于公司的言论，造谣生事"),
    ),
    "teamwork": (
        _l("积极主动配合团队工作，乐于助人，个人利益服从集体利益"),
        _l("愿意配合，但需监督"),
        _l("不愿配合团队工作，因个人原因影响整个团队工作"),
    ),
    "innovation": (
        _l("有魄力，善于创新并提高工作效率，经常更新专业知识和操作方法，总结失败教训"),
        _l("能对工作进行改进，但效果不太好"),
        _l("工作没有创新，因循守旧"),
    ),
    "judgement": (
        _l("能迅速掌握分配的工作和新知识，理解深刻，分析判断能力强，能迅速对客观环境做出正确判断"),
        _l("能够掌握分配的工作和新知识，能对复杂问题进行分析判断，但不能灵活运用到实际工作中"),
        _l("对分配的工作和新知识掌握慢，不得要领，分析判断能力较弱"),
    ),
}


def levels_of(code):
    """[(points, level name, description)] of a criterion, best first; [] for a criterion the seed lacks."""
    descriptions = DESCRIPTIONS.get(code)
    if descriptions is None:
        return []
    return [(points, name, text) for (points, name), text in zip(LEVELS, descriptions)]
